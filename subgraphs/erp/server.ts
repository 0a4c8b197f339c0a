import type { AdminConfig, Logger, SharedState } from '../../platform/index.js';
import { createSubgraphServer, type SubgraphRuntime, type SubgraphServer, type SubgraphTelemetry } from '../kit/index.js';
import { createErpClient } from './client.js';
import type { ErpConfig, ErpCredentials } from './config.js';
import { createLoaders } from './loaders.js';
import { createResolvers } from './resolvers.js';

export type ErpSubgraphOptions = {
  /** From readErpConfig(); baseUrl and credentials must be set (the launcher fills them in for the emulator). */
  config: ErpConfig & { baseUrl: string; credentials: ErpCredentials };
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

/**
 * The ERP subgraph over the NAV page web services: build it, then `listen()`. The SOAP clients are made here,
 * once, from the WSDL files beside this module, so a broken WSDL fails start-up rather than the first request.
 */
export async function createErpSubgraph(options: ErpSubgraphOptions): Promise<SubgraphServer> {
  const log = options.log.child({ subgraph: 'erp' });
  const { baseUrl, company, credentials, policy, localCurrency } = options.config;
  const redis = options.state?.redis;
  const client = await createErpClient({
    observer: options.telemetry?.observer,
    baseUrl,
    company,
    credentials,
    policy,
    ...(redis ? { redis } : {}),
    log,
  });
  return createSubgraphServer({
    name: 'erp',
    resolvers: createResolvers(localCurrency),
    client,
    createLoaders,
    log,
    state: options.state,
    runtime: options.runtime,
    telemetry: options.telemetry,
    admin: options.admin,
  });
}
