import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControl } from '@apollo/server/plugin/cacheControl';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import { buildSubgraphSchema } from '@apollo/subgraph';
import express, { type Express } from 'express';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DocumentNode } from 'graphql';
import {
  PURGE_CHANNEL,
  adminOnly,
  boundedDocumentStore,
  createMemoryState,
  encodePurge,
  isDeliberateCode,
  metricsRoute,
  type AdminConfig,
  type Logger,
  type SharedState,
} from '../../platform/index.js';
import { createRequestContext, type SubgraphContext } from './context.js';
import { createEntityCache, type BatchFn } from './entity-cache.js';
import { InterchangeError } from './errors.js';
import { keepRawBody, requireGatewaySignature } from './gateway-signature.js';
import { DEFAULT_RUNTIME, type SubgraphRuntime } from './runtime.js';
import { cacheMaxAges, subgraphTypeDefs } from './schema.js';
import type { VendorClient } from './vendor-client.js';
import { entityKeyFields, entityTagsPlugin } from './tags.js';
import type { SubgraphTelemetry } from './telemetry.js';

/**
 * The resolver map buildSubgraphSchema takes, derived from its public signature (the package's entry point does
 * not export the type, and its dist/ files are no contract).
 */
type SubgraphResolverMap = NonNullable<
  Extract<Parameters<typeof buildSubgraphSchema>[0], { typeDefs: DocumentNode | DocumentNode[] }>['resolvers']
>;

/** What the kit gives a vendor's createLoaders besides its client. */
/** Heap a subgraph's parsed documents may take (platform/memory.ts). */
const SUBGRAPH_DOCUMENT_CACHE_MB = 4;

export type LoaderTools = {
  /**
   * Wraps a vendor batch call with the shared entity cache (see EntityCache.wrap), keeping each entity as long
   * as its type's `@cacheControl(maxAge)` in the schema says.
   */
  cached<V>(typename: string, batch: BatchFn<V>): BatchFn<V>;
  /** The batch size to use: the vendor's maximum, or 1 when batching is switched off to measure its worth. */
  maxBatchSize(vendorMax: number): number;
};

export type SubgraphServerOptions<Client extends VendorClient<Client>, Loaders> = {
  /** The subgraph's name: its SDL is schema/<name>.graphql and it is named so in the supergraph. */
  name: string;
  /** The resolver map, typed by the vendor folder's codegen `Resolvers`. */
  resolvers: Record<string, unknown>;
  /** The vendor client, shared by every request. */
  client: Client;
  /**
   * The subgraph of the same part whose client this is (`crm` for `crm-relations`): that one reports the
   * upstream's health and closes the client; this one lists no upstream of its own. Default: its own client.
   */
  clientOwner?: string;
  /** Makes the per-request DataLoader set over the client; called once per request. */
  createLoaders: (client: Client, tools: LoaderTools) => Loaders;
  log: Logger;
  /** Whether the subgraph answers introspection; default true (the gateway is the public face, not this). */
  introspection?: boolean;
  /** Adds routes beside /graphql (webhooks), before the GraphQL route. Default none. */
  routes?: (app: Express) => void;
  /** Request body size limit for /graphql; default 1 MB. */
  bodyLimit?: string;
  /** Shared state for the entity cache and purge messages; default a fresh in-memory one. */
  state?: SharedState;
  /** Entity cache and batching switches; default both on. */
  runtime?: SubgraphRuntime;
  /** Metrics and traces (createSubgraphTelemetry); default none: no /metrics route, no spans. */
  telemetry?: SubgraphTelemetry;
  /** Who may read /metrics (readAdminConfig); default open, as outside production without ADMIN_TOKEN. */
  admin?: AdminConfig;
};

export type SubgraphServer = {
  readonly name: string;
  readonly app: Express;
  /** Starts listening (port 0, the default, picks a free one). Resolves to the GraphQL URL. */
  listen(port?: number, host?: string): Promise<string>;
  /** Stops accepting, lets in-flight requests finish, then resolves. */
  close(): Promise<void>;
};

/** Logs every error a request produced: deliberate ones with the vendor detail, others with their stack. */
function errorLogPlugin(log: Logger): ApolloServerPlugin<SubgraphContext<unknown, unknown>> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue }) {
          const requestLog = contextValue?.log ?? log;
          for (const error of errors) {
            const original = error.originalError;
            if (original instanceof InterchangeError || isDeliberateCode(error.extensions.code)) {
              requestLog.warn(
                {
                  code: error.extensions.code,
                  path: error.path,
                  detail: original instanceof InterchangeError ? original.detail : undefined,
                },
                error.message,
              );
            } else {
              requestLog.error({ err: original ?? error, path: error.path }, 'unexpected resolver error');
            }
          }
        },
      };
    },
  };
}

/** Apollo Server + buildSubgraphSchema on express, with cache hints, request context and health route. */
export async function createSubgraphServer<Client extends VendorClient<Client>, Loaders>(
  options: SubgraphServerOptions<Client, Loaders>,
): Promise<SubgraphServer> {
  const app = express();
  app.disable('x-powered-by');
  const httpServer: Server = createServer(app);
  // Idle keep-alive connections outlive the gateway's pool (gateway/datasource.ts keeps them at most 60 s): the
  // client, not the server, closes an idle connection, so the gateway never reuses one the subgraph has just
  // closed (ECONNRESET under load with Node's 5 s default).
  httpServer.keepAliveTimeout = 65_000;
  httpServer.headersTimeout = 66_000;
  const state = options.state ?? createMemoryState();
  const runtime = options.runtime ?? DEFAULT_RUNTIME;
  const telemetry = options.telemetry;
  const entityCache = await createEntityCache({
    state,
    subgraph: options.name,
    log: options.log,
    enabled: runtime.entityCache,
    ...(telemetry ? { onLookup: telemetry.entityLookup } : {}),
  });
  const typeDefs = subgraphTypeDefs(options.name);
  const maxAges = cacheMaxAges(typeDefs);
  const tools: LoaderTools = {
    cached: (typename, batch) => {
      const ttlSeconds = maxAges.get(typename);
      // A loader caching a type the schema gives no lifetime is a bug in the vendor folder, not a runtime state.
      if (!ttlSeconds)
        throw new Error(`${options.name}: type ${typename} has no @cacheControl(maxAge) in its schema, so it cannot be entity-cached`);
      const wrapped = entityCache.wrap(typename, ttlSeconds, batch);
      return telemetry ? telemetry.batch(typename, wrapped) : wrapped;
    },
    maxBatchSize: (vendorMax) => (runtime.batching ? vendorMax : 1),
  };
  // A mutation's entities are purged here before its response leaves, and everywhere else by broadcast.
  const purgeAfterMutation = async (tags: Set<string>) => {
    await entityCache.purge(tags);
    await state.publish(PURGE_CHANNEL, encodePurge(tags));
  };
  const apollo = new ApolloServer<SubgraphContext<Client, Loaders>>({
    schema: buildSubgraphSchema({
      typeDefs,
      resolvers: options.resolvers as SubgraphResolverMap,
    }),
    introspection: options.introspection ?? true,
    // The gateway's plans send a few distinct documents per operation; literals inline make more (platform/memory.ts).
    documentStore: boundedDocumentStore(SUBGRAPH_DOCUMENT_CACHE_MB),
    // The launcher owns SIGTERM/SIGINT and closes every part in order; Apollo's own handler would race it.
    stopOnTerminationSignals: false,
    logger: options.log,
    // Stacks go to the log, never over the wire, even between our own processes.
    includeStacktraceInErrorResponses: false,
    plugins: [
      // Federated traces are for Apollo's hosted usage reporting, which Interchange does not use.
      ApolloServerPluginInlineTraceDisabled(),
      // Hints from @cacheControl become the Cache-Control header the gateway reads; 0 unless the schema says.
      ApolloServerPluginCacheControl({ defaultMaxAge: 0 }),
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      entityTagsPlugin(entityKeyFields(typeDefs), purgeAfterMutation),
      errorLogPlugin(options.log) as ApolloServerPlugin<SubgraphContext<Client, Loaders>>,
    ],
  });
  await apollo.start();

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', subgraph: options.name });
  });
  // What the gateway's /health/upstreams collects: breaker, recent latency and errors, quota left.
  app.get('/health/upstreams', (_req, res) => {
    if (options.clientOwner) res.json({ subgraph: options.name, upstreams: [], upstreamsOf: options.clientOwner });
    else res.json({ subgraph: options.name, upstreams: [{ ...options.client.upstreamState(), ...telemetry?.recent() }] });
  });
  if (telemetry) {
    if (!options.clientOwner) telemetry.watchUpstream(() => options.client.upstreamState());
    app.get('/metrics', adminOnly(options.admin ?? { token: undefined, production: false }), metricsRoute(telemetry.telemetry.registry));
  }
  options.routes?.(app);
  app.use(
    '/graphql',
    express.json({ limit: options.bodyLimit ?? '1mb', verify: keepRawBody }),
    ...(telemetry?.requests ? [telemetry.requests] : []),
    ...(runtime.gatewaySecret ? [requireGatewaySignature(runtime.gatewaySecret)] : []),
    expressMiddleware(apollo, {
      context: async ({ req }) =>
        createRequestContext(req.headers, options.log, options.client, (client) => options.createLoaders(client, tools)),
    }),
  );

  let listening = false;
  return {
    name: options.name,
    app,
    listen(port = 0, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          listening = true;
          const address = httpServer.address() as AddressInfo;
          resolve(`http://${host}:${address.port}/graphql`);
        });
      });
    },
    async close() {
      // apollo.stop() drains through the plugin: stops accepting, waits for in-flight requests, closes.
      await apollo.stop();
      await entityCache.close();
      if (!options.clientOwner) await options.client.close();
      if (listening && httpServer.listening) await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}
