import { openDatabase, readDatabaseConfig, type Env, type Logger } from '../platform/index.js';
import { readSubgraphRuntime } from '../subgraphs/kit/index.js';
import { createSyncSubgraph } from '../sync/subgraph.js';
import type { PartOptions, StartedPart } from './part.js';
import { startSagas } from './sagas.js';

/**
 * The sync subgraph (Customer.sync). In the embedded stack it reads the stack's database (options.database);
 * alone (`npm start -- sync`) it opens the one DATABASE_URL names, which the workers that propagate write to.
 */
export async function startSync(env: Env, log: Logger, options: PartOptions): Promise<StartedPart> {
  const shared = { log, state: options.state, runtime: readSubgraphRuntime(env), telemetry: options.telemetry, admin: options.admin };
  if (options.database === null) return { server: await createSyncSubgraph(shared) };
  const own = options.database === undefined;
  const db = options.database ?? (await openDatabase(readDatabaseConfig(env)));
  try {
    // The sagas (onboardCustomer, offboardCustomer) keep their state in the same database.
    const sagas = await startSagas(env, log, db);
    return {
      server: await createSyncSubgraph({ db, ...shared, ...(sagas ? { sagas: sagas.engine } : {}) }),
      ...(sagas ? { connect: sagas.connect } : {}),
      close: async () => {
        await sagas?.close();
        if (own) await db.close();
      },
    };
  } catch (error) {
    if (own) await db.close();
    throw error;
  }
}
