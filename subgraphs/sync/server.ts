import type { AdminConfig, CustomerSyncReader, Logger, SagaService, SharedState } from '../../platform/index.js';
import { createSubgraphServer, type SubgraphRuntime, type SubgraphServer, type SubgraphTelemetry } from '../kit/index.js';
import { createSyncClient } from './client.js';
import { createLoaders } from './loaders.js';
import { createResolvers } from './resolvers.js';

export type SyncSubgraphOptions = {
  /**
   * The sync records (sync/'s reader over the platform database); absent when the stack runs without the event
   * pipeline (EVENTS=false), and then every Customer.sync is null.
   */
  records?: CustomerSyncReader;
  /** The sagas behind onboardCustomer / offboardCustomer (they need the database and the service identity). */
  sagas?: SagaService;
  log: Logger;
  state?: SharedState;
  runtime?: SubgraphRuntime;
  telemetry?: SubgraphTelemetry;
  admin?: AdminConfig;
};

/** The sync subgraph (Customer.sync and the saga mutations), served by the kit's server like a vendor's. */
export async function createSyncSubgraph(options: SyncSubgraphOptions): Promise<SubgraphServer> {
  return createSubgraphServer({
    name: 'sync',
    resolvers: createResolvers(options.sagas),
    client: createSyncClient(options.records),
    createLoaders,
    log: options.log.child({ subgraph: 'sync' }),
    state: options.state,
    runtime: options.runtime,
    telemetry: options.telemetry,
    admin: options.admin,
  });
}
