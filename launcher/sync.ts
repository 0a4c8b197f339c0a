import { openDatabase, readDatabaseConfig, type Env, type Logger } from '../platform/index.js';
import { readSubgraphRuntime } from '../subgraphs/kit/index.js';
import { createSyncSubgraph } from '../sync/subgraph.js';
import type { PartOptions, StartedPart } from './part.js';

/**
 * The sync subgraph (Customer.sync). In the embedded stack it reads the stack's database (options.database);
 * alone (`npm start -- sync`) it opens the one DATABASE_URL names, which the workers that propagate write to.
 */
export async function startSync(env: Env, log: Logger, options: PartOptions): Promise<StartedPart> {
  const shared = { log, state: options.state, runtime: readSubgraphRuntime(env), telemetry: options.telemetry, admin: options.admin };
  if (options.database !== undefined)
    return { server: await createSyncSubgraph({ ...(options.database ? { db: options.database } : {}), ...shared }) };
  const db = await openDatabase(readDatabaseConfig(env));
  try {
    return { server: await createSyncSubgraph({ db, ...shared }), close: () => db.close() };
  } catch (error) {
    await db.close();
    throw error;
  }
}
