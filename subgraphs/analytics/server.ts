import type { AdminConfig, AnalyticsReadModel, Logger, SharedState } from '../../platform/index.js';
import { createSubgraphServer, type SubgraphRuntime, type SubgraphServer, type SubgraphTelemetry } from '../kit/index.js';
import { clientFromConfig, type ResolvedAnalyticsConfig } from './client.js';
import { createLoaders } from './loaders.js';
import { createResolvers } from './resolvers.js';

export type AnalyticsSubgraphOptions = {
  /** From readAnalyticsConfig(); the URLs, project and service account must be set (the launcher fills them in for the emulator). */
  config: ResolvedAnalyticsConfig;
  log: Logger;
  /** Clock for default windows; default Date.now. */
  now?: () => number;
  /** Entity cache store and purge channel; default in memory. */
  state?: SharedState;
  /** Entity cache and batching switches; default both on. */
  runtime?: SubgraphRuntime;
  /** Metrics and traces; default none. */
  telemetry?: SubgraphTelemetry;
  /** Who may read /metrics; default open (development without ADMIN_TOKEN). */
  admin?: AdminConfig;
  /**
   * The read model of Mixpanel's export (ANALYTICS_SYNC), built by events/ and handed in by the launcher:
   * lastSeenAt, activity, eventCounts and funnel read from it where it covers the window; default none.
   */
  readModel?: AnalyticsReadModel;
};

/** The analytics subgraph over Mixpanel: build it, then `listen()`. */
export async function createAnalyticsSubgraph(options: AnalyticsSubgraphOptions): Promise<SubgraphServer> {
  const log = options.log.child({ subgraph: 'analytics' });
  const { config } = options;
  const client = clientFromConfig(config, {
    observer: options.telemetry?.observer,
    ...(options.state?.redis ? { redis: options.state.redis } : {}),
    log,
    ...(options.now ? { now: options.now } : {}),
  });
  return createSubgraphServer({
    name: 'analytics',
    resolvers: createResolvers({
      maxWindowDays: config.maxWindowDays,
      ...(options.now ? { now: options.now } : {}),
      ...(options.readModel ? { readModel: options.readModel } : {}),
    }),
    client,
    createLoaders: (shared, tools) =>
      createLoaders(shared, tools, {
        exportBatchSize: config.exportBatchSize,
        ...(options.readModel ? { readModel: options.readModel } : {}),
      }),
    log,
    state: options.state,
    runtime: options.runtime,
    telemetry: options.telemetry,
    admin: options.admin,
    // trackEvents takes batches of any size; the gateway's BODY_LIMIT is the limit callers meet first.
    bodyLimit: '16mb',
  });
}
