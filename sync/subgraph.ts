import { migrate, type AdminConfig, type Database, type Logger, type SharedState } from '../platform/index.js';
import { createSubgraphServer, type SubgraphRuntime, type SubgraphServer, type SubgraphTelemetry } from '../subgraphs/kit/index.js';
import { createSyncClient } from './client.js';
import { createLoaders } from './loaders.js';
import { SYNC_MIGRATIONS } from './migrations.js';
import { createResolvers } from './resolvers.js';
import type { SagaEngine } from './saga/engine.js';

export type SyncSubgraphOptions = {
  /**
   * The platform database holding the sync records (its migrations are run here); absent when the stack runs
   * without the event pipeline (EVENTS=false), and then every Customer.sync is null.
   */
  db?: Database;
  log: Logger;
  state?: SharedState;
  runtime?: SubgraphRuntime;
  telemetry?: SubgraphTelemetry;
  admin?: AdminConfig;
  /** The saga engine behind onboardCustomer / offboardCustomer (needs the database and the service identity). */
  sagas?: SagaEngine;
};

/** The sync subgraph (Customer.sync), served by the kit's server like a vendor's: build it, then `listen()`. */
export async function createSyncSubgraph(options: SyncSubgraphOptions): Promise<SubgraphServer> {
  if (options.db) await migrate(options.db, 'sync', SYNC_MIGRATIONS);
  return createSubgraphServer({
    name: 'sync',
    resolvers: createResolvers(options.sagas),
    client: createSyncClient(options.db),
    createLoaders,
    log: options.log.child({ subgraph: 'sync' }),
    state: options.state,
    runtime: options.runtime,
    telemetry: options.telemetry,
    admin: options.admin,
  });
}
