import type { AdminConfig, Logger, SharedState } from '../../platform/index.js';
import { createSubgraphServer, type SubgraphRuntime, type SubgraphServer, type SubgraphTelemetry } from '../kit/index.js';
import { createPaymentsClient } from './client.js';
import { toStripeEndpoint, type PaymentsConfig } from './config.js';
import { createLoaders } from './loaders.js';
import { createResolvers } from './resolvers.js';

export type PaymentsSubgraphOptions = {
  /** From readPaymentsConfig(); baseUrl and secretKey must be set (the launcher fills them in for the emulator). */
  config: PaymentsConfig & { baseUrl: string; secretKey: string };
  log: Logger;
  /** Entity cache store and purge channel; default in memory. */
  state?: SharedState;
  /** Entity cache and batching switches; default both on. */
  runtime?: SubgraphRuntime;
  /** Metrics and traces; default none. */
  telemetry?: SubgraphTelemetry;
  /** Who may read /metrics; default open (development without ADMIN_TOKEN). */
  admin?: AdminConfig;
};

/** The payments subgraph over Stripe: build it, then `listen()`. */
export async function createPaymentsSubgraph(options: PaymentsSubgraphOptions): Promise<SubgraphServer> {
  const log = options.log.child({ subgraph: 'payments' });
  const redis = options.state?.redis;
  const client = createPaymentsClient({
    observer: options.telemetry?.observer,
    endpoint: toStripeEndpoint(options.config.baseUrl),
    secretKey: options.config.secretKey,
    policy: options.config.policy,
    quota: options.config.quota,
    ...(redis ? { redis } : {}),
  });
  return createSubgraphServer({
    name: 'payments',
    resolvers: createResolvers(),
    client,
    createLoaders,
    log,
    state: options.state,
    runtime: options.runtime,
    telemetry: options.telemetry,
    admin: options.admin,
  });
}
