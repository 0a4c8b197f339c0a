import { ConfigError, migrate, openDatabase, readDatabaseConfig, type Database, type Env, type Logger } from '../platform/index.js';
import { readSubgraphRuntime } from '../subgraphs/kit/index.js';
import { createSyncSubgraph } from '../subgraphs/sync/index.js';
import {
  createCustomerSyncReader,
  createSyncEngine,
  DEFAULT_RULES_FILE,
  loadRules,
  readSyncConfig,
  SYNC_MIGRATIONS,
  type SyncEngine,
} from '../sync/index.js';
import { createSagaService } from '../sync/saga/index.js';
import type { PartOptions, StartedPart } from './part.js';
import { startSagas } from './sagas.js';
import { serviceGateway, serviceIdentity } from './service.js';

/**
 * The sync subgraph (Customer.sync, the saga mutations) over sync/'s records and sagas. In the embedded stack it
 * reads the stack's database (options.database); alone (`npm start -- sync`) it opens the one DATABASE_URL names,
 * which the workers that propagate write to.
 */
export async function startSync(env: Env, log: Logger, options: PartOptions): Promise<StartedPart> {
  const shared = { log, state: options.state, runtime: readSubgraphRuntime(env), telemetry: options.telemetry, admin: options.admin };
  if (options.database === null) return { server: await createSyncSubgraph(shared) };
  const own = options.database === undefined;
  const db = options.database ?? (await openDatabase(readDatabaseConfig(env)));
  try {
    await migrate(db, 'sync', SYNC_MIGRATIONS);
    // The sagas (onboardCustomer, offboardCustomer) keep their state in the same database.
    const sagas = await startSagas(env, log, db);
    return {
      server: await createSyncSubgraph({
        records: createCustomerSyncReader(db),
        ...shared,
        ...(sagas ? { sagas: createSagaService(sagas.engine) } : {}),
      }),
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

export type StartedSync = {
  engine: SyncEngine;
  /** Points sync at the gateway once it listens (the embedded stack). */
  connect(gatewayUrl: string): void;
};

/**
 * Customer sync for the event pipeline: the rules (validated now, so a bad file stops the start with its
 * problems), the gateway client with the service identity, the engine. Null when SYNC=false.
 */
export function buildSync(source: Env, log: Logger, db: Database): StartedSync | null {
  const config = readSyncConfig(source);
  if (!config.enabled) return null;
  const rules = loadRules(config.rulesFile ?? DEFAULT_RULES_FILE);
  const identity = serviceIdentity(source, config);
  if (!identity)
    throw new ConfigError([
      'SYNC_SERVICE_TOKEN: customer sync calls the gateway as a service user; set a token (or SYNC=false), or use the development issuer',
    ]);
  const { gateway, connect } = serviceGateway(config, identity);
  const engine = createSyncEngine({
    db,
    rules,
    gateway,
    log: log.child({ part: 'sync' }),
    retryLimit: config.retryLimit,
  });
  return { engine, connect };
}
