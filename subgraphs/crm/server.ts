import type { AdminConfig, Logger, SharedState } from '../../platform/index.js';
import { createSubgraphServer, type SubgraphRuntime, type SubgraphServer, type SubgraphTelemetry } from '../kit/index.js';
import { createCrmClient } from './client.js';
import type { CrmConfig, HubSpotAuth } from './config.js';
import { createLoaders } from './loaders.js';
import { createRelationResolvers } from './relations.js';
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
  /** Metrics and traces; default none. crm-relations reports into the same (`companion`): one client, one part. */
  telemetry?: SubgraphTelemetry;
  /** Who may read /metrics; default open (development without ADMIN_TOKEN). */
  admin?: AdminConfig;
};

export type CrmSubgraphs = {
  crm: SubgraphServer;
  /** `crm-relations` (schema/crm-relations.graphql, relations.ts): close it before `crm`, which closes the client. */
  relations: SubgraphServer;
};

/**
 * The CRM subgraphs over HubSpot: `crm` and `crm-relations`, over one client (one call policy, one quota, one
 * breaker: HubSpot is one vendor however many subgraphs ask it). Build them, then `listen()` each.
 */
export async function createCrmSubgraphs(options: CrmSubgraphOptions): Promise<CrmSubgraphs> {
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
  const shared = { createLoaders, state: options.state, runtime: options.runtime, admin: options.admin };
  const crm = await createSubgraphServer({
    ...shared,
    name: 'crm',
    resolvers: createResolvers(options.config.defaultCurrency),
    client,
    log,
    telemetry: options.telemetry,
  });
  const relations = await createSubgraphServer({
    ...shared,
    name: 'crm-relations',
    resolvers: createRelationResolvers(options.config.defaultCurrency),
    // crm's client: crm reports HubSpot's health and closes it, after both servers have drained.
    client,
    clientOwner: 'crm',
    log: options.log.child({ subgraph: 'crm-relations' }),
    telemetry: options.telemetry?.companion('crm-relations'),
  });
  return { crm, relations };
}
