import type { AdminConfig, Logger, SharedState } from '../../platform/index.js';
import { createSubgraphServer, type SubgraphRuntime, type SubgraphServer, type SubgraphTelemetry } from '../kit/index.js';
import { createCrmClient } from './client.js';
import type { CrmConfig, HubSpotAuth } from './config.js';
import { createLoaders } from './loaders.js';
import { createResolvers } from './resolvers.js';

export type CrmSubgraphOptions = {
  /** From readCrmConfig(); baseUrl and auth must be set (the launcher fills them in for the emulator). */
  config: CrmConfig & { baseUrl: string; auth: HubSpotAuth };
  log: Logger;
  /** Clock for OAuth token expiry; default Date.now. */
  now?: () => number;
  /** Entity cache store and purge channel; default in memory. */
  state?: SharedState;
  /** Entity cache and batching switches; default both on. */
  runtime?: SubgraphRuntime;
  /** Metrics and traces; default none. */
  telemetry?: SubgraphTelemetry;
  /** Who may read /metrics; default open (development without ADMIN_TOKEN). */
  admin?: AdminConfig;
};

/** The CRM subgraph over HubSpot: build it, then `listen()`. */
export async function createCrmSubgraph(options: CrmSubgraphOptions): Promise<SubgraphServer> {
  const log = options.log.child({ subgraph: 'crm' });
  const { baseUrl, auth, policy, quota } = options.config;
  const redis = options.state?.redis;
  const client = createCrmClient({
    observer: options.telemetry?.observer,
    baseUrl,
    auth,
    policy,
    quota,
    ...(redis ? { redis } : {}),
    log,
    now: options.now,
  });
  return createSubgraphServer({
    name: 'crm',
    resolvers: createResolvers(options.config.defaultCurrency),
    client,
    createLoaders,
    log,
    state: options.state,
    runtime: options.runtime,
    telemetry: options.telemetry,
    admin: options.admin,
  });
}
