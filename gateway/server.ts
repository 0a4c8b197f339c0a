import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type ErrorRequestHandler, type Express, type RequestHandler, type Router } from 'express';
import { buildASTSchema, parse } from 'graphql';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetch } from 'undici';
import {
  DEADLINE_HEADER,
  ErrorCode,
  PURGE_CHANNEL,
  SIGNATURE_HEADER,
  adminOnly,
  apolloCacheJsonBytes,
  boundedDocumentStore,
  signRequest,
  createMemoryState,
  decodePurge,
  encodePurge,
  type AdminConfig,
  type Logger,
  type SharedState,
  type Telemetry,
} from '../platform/index.js';
import { identifyCaller } from './caller.js';
import { loadClientRegistry } from './clients.js';
import type { GatewayConfig } from './config.js';
import type { GatewayContext } from './context.js';
import { SubgraphDataSource, createFetcher, createSubgraphAgent } from './datasource.js';
import { maskErrors } from './errors.js';
import { authorizationPlugin, authorizationStep } from './authorization.js';
import { costReportPlugin } from './actual-cost.js';
import { costStep } from './cost.js';
import { loadDevKeys } from './dev-issuer.js';
import { documentLimits } from './limits.js';
import { loadManifest, persistedDocuments } from './persisted-documents.js';
import { createPenaltyBox } from './penalty-box.js';
import { Refusal, createPipeline, refuse, type Pipeline } from './pipeline.js';
import { rateLimitCallers } from './rate-limit.js';
import { requestIdentity } from './request-id.js';
import { createResponseCache } from './response-cache.js';
import { securityHeaderValues, securityHeaders } from './security-headers.js';
import { mountOperatorRoutes, type EventsPanel } from './status.js';
import { createGatewayTelemetry, type RequestTrace } from './telemetry.js';
import { upstreamsHealth } from './upstreams.js';
import { createUserVerifier, type KeySource } from './users.js';

export type GatewayOptions = {
  config: GatewayConfig;
  log: Logger;
  /** The supergraph SDL; default schema/supergraph.graphql. */
  supergraphSdl?: string;
  /** Shared state (APQ store); default a fresh in-memory one. */
  state?: SharedState;
  /** Metrics (GET /metrics), traces and the /status page; default none of them. */
  telemetry?: Telemetry;
  /** Who may read /metrics and /status (readAdminConfig); default open, as outside production without ADMIN_TOKEN. */
  admin?: AdminConfig;
  /** The event pipeline's /status panel and redrive, handed over by the launcher; default none ("not configured"). */
  events?: EventsPanel;
  /**
   * Routes of other parts served at the public address, handed over by the launcher (the event pipeline's
   * `/webhooks/*` pass-through and its admin routes); default none.
   */
  routes?: Router;
};

export type Gateway = {
  readonly app: Express;
  /** Resolves to the base URL (no trailing slash); GraphQL is at `${url}/graphql`. */
  listen(): Promise<string>;
  /** Graceful stop: /ready turns 503, no new connections, in-flight requests finish (up to the grace period). */
  close(): Promise<void>;
  /** Entries in the gateway's own in-process stores, which must stay bounded however long it runs. */
  sizes(): Record<string, number>;
};

const SUPERGRAPH = new URL('../schema/supergraph.graphql', import.meta.url);
/** Heap the gateway's parsed documents and its query plans may each take (platform/memory.ts). */
const DOCUMENT_CACHE_MB = 8;
const QUERY_PLAN_CACHE_MB = 8;

/** Subgraph names and URLs as the supergraph declares them (join__Graph enum values). */
export function supergraphSubgraphs(sdl: string): Array<{ name: string; url: string }> {
  return [...sdl.matchAll(/@join__graph\(name: "([^"]+)", url: "([^"]*)"\)/g)].map((match) => ({ name: match[1]!, url: match[2]! }));
}

export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const { config, log } = options;
  const supergraphSdl = options.supergraphSdl ?? readFileSync(SUPERGRAPH, 'utf8');
  const subgraphs = supergraphSubgraphs(supergraphSdl).map(({ name, url }) => ({ name, url: config.subgraphUrls[name] ?? url }));
  const urlByName = new Map(subgraphs.map(({ name, url }) => [name, url]));
  const agent = createSubgraphAgent(config.subgraphTimeoutMs);
  const fetcher = createFetcher(agent, { secret: config.subgraphSecret });
  const state = options.state ?? createMemoryState();
  const development = config.nodeEnv !== 'production';
  // The supergraph as a graphql-js schema: what the steps before planning check documents against.
  const schema = buildASTSchema(parse(supergraphSdl), { assumeValidSDL: true });
  const observed = options.telemetry
    ? createGatewayTelemetry(options.telemetry, {
        responseCache: config.responseCache,
        // `pipeline` is built further down; these run per request, after it exists.
        clientOf: (req) => pipeline.stateOf(req).caller.name,
        userSub: ({ request }) =>
          request.user ? createHash('sha256').update(`${request.user.issuer}\n${request.user.sub}`).digest('hex').slice(0, 16) : undefined,
      })
    : undefined;

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  // A boxed caller is answered before express sees its request (see Pipeline.front); set once the pipeline exists.
  let front: ((req: IncomingMessage, res: ServerResponse) => boolean) | undefined;
  const httpServer: Server = createServer((req, res) => {
    if (!front?.(req, res)) app(req, res);
  });
  // Idle keep-alive connections are closed by the client (or the load balancer in front, typically at 60 s), never
  // first by the gateway: with Node's 5 s default a busy caller can reuse a socket the gateway is just closing
  // (ECONNRESET).
  httpServer.keepAliveTimeout = 65_000;
  httpServer.headersTimeout = 66_000;
  let stopping = false;

  // @apollo/gateway reports usage to Apollo over the internet, probing cloud metadata addresses on the way,
  // unless this variable says no; it reads only the environment. Interchange calls nothing outside the
  // deployment, so it is off unless the operator sets it.
  process.env.APOLLO_TELEMETRY_DISABLED ??= 'true';
  const gateway = new ApolloGateway({
    // The gateway refuses a supergraph with `for: SECURITY` features it does not enforce itself; the pipeline's
    // authorization step enforces them before the gateway sees the operation.
    supergraphSdl: supergraphSdl.replace(/, for: SECURITY\)/g, ')'),
    buildService: ({ name, url }) => new SubgraphDataSource({ url: urlByName.get(name) ?? url, fetcher, subgraphName: name }),
    logger: log.child({ part: 'apollo-gateway' }),
    // Query plans are kept per distinct document; bounded like the document stores (platform/memory.ts).
    experimental_approximateQueryPlanStoreMiB: apolloCacheJsonBytes(QUERY_PLAN_CACHE_MB) / 2 ** 20,
  });

  // With both off (the raw engine) the cache would only hash every request for nothing.
  const responseCache =
    config.responseCache || config.dedupe
      ? createResponseCache({ state, log, cache: config.responseCache, dedupe: config.dedupe })
      : undefined;

  const documentStore = boundedDocumentStore(DOCUMENT_CACHE_MB);
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    introspection: config.introspection,
    csrfPrevention: true,
    // The launcher owns SIGTERM/SIGINT and closes every part in order; Apollo's own handler would race it.
    stopOnTerminationSignals: false,
    cache: state.cache,
    documentStore,
    formatError: maskErrors(log, development),
    includeStacktraceInErrorResponses: false,
    // No "Did you mean ...?" in production: suggestions reveal the schema that introspection hides.
    hideSchemaDetailsFromClientErrors: !development,
    logger: log.child({ part: 'apollo-server' }),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.shutdownGraceMs }),
      config.sandbox
        ? ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false })
        : ApolloServerPluginLandingPageDisabled(),
      authorizationPlugin(),
      costReportPlugin(schema),
      ...(responseCache ? [responseCache.plugin] : []),
      ...(observed ? [observed.plugin] : []),
    ],
  });
  await apollo.start();

  // Purges from anywhere (a subgraph's mutation or webhook, another replica's purge endpoint) reach here.
  const unsubscribe = await state.subscribe(PURGE_CHANNEL, (message) => {
    responseCache?.purge(decodePurge(message)).catch((error: unknown) => log.warn({ err: error }, 'response cache purge failed'));
  });
  const registry = config.clientRegistry ? loadClientRegistry(config.clientRegistry, log) : undefined;
  const manifest = loadManifest(config.manifest, log);
  // The development issuer's public key is trusted directly and served as a JWKS for anyone else to check with.
  const devKeys = config.users?.keys.kind === 'dev' ? await loadDevKeys(config.users.keys.keyFile) : undefined;
  const userKeys: KeySource | undefined = devKeys
    ? { kind: 'local', jwks: { keys: [devKeys.publicJwk] } }
    : config.users?.keys.kind === 'dev'
      ? undefined
      : config.users?.keys;
  const users = config.users && userKeys ? await createUserVerifier({ ...config.users, keys: userKeys }) : undefined;

  const securityOptions = { sandbox: config.sandbox, hsts: !development };
  app.use(securityHeaders(securityOptions));
  // Before requestIdentity: the request's span decides the traceparent it keeps and passes on.
  if (observed) app.use('/graphql', observed.requests);
  app.use(requestIdentity());
  // Operator routes: open in development when ADMIN_TOKEN is unset, closed (404) in production until it is set.
  const adminConfig: AdminConfig = options.admin ?? { token: config.adminToken, production: !development };
  const admin = adminOnly(adminConfig);
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/ready', async (_req, res) => {
    if (stopping) {
      res.status(503).json({ status: 'stopping' });
      return;
    }
    const checks = await Promise.all(subgraphs.map(async ({ name, url }) => ({ name, ...(await probe(url)) })));
    const ready = checks.every((check) => check.ok);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', subgraphs: checks });
  });
  if (devKeys) {
    app.get('/.well-known/jwks.json', (_req, res) => {
      res.json({ keys: [devKeys.publicJwk] });
    });
  }
  app.get('/health/upstreams', admin, upstreamsHealth(subgraphs, { dispatcher: agent }));
  if (observed && options.telemetry)
    mountOperatorRoutes(app, {
      telemetry: options.telemetry,
      gatewayTelemetry: observed,
      admin: adminConfig,
      subgraphs,
      dispatcher: agent,
      ...(options.events ? { events: options.events } : {}),
    });
  // A purge needs a token even in development: ADMIN_TOKEN, or PURGE_TOKEN for a purge-only credential.
  app.use(
    '/internal/purge',
    adminOnly(adminConfig, { alsoAccept: [config.purgeToken], closedWithoutToken: true, variable: 'ADMIN_TOKEN (or PURGE_TOKEN)' }),
  );
  app.post('/internal/purge', express.json({ limit: '100kb' }), async (req, res) => {
    const tags = (req.body as { tags?: unknown } | undefined)?.tags;
    if (!Array.isArray(tags) || tags.length === 0 || !tags.every((tag) => typeof tag === 'string' && /^\w+:.+$/.test(tag))) {
      return refuse(
        res,
        new Refusal(400, ErrorCode.BAD_REQUEST, 'Send {"tags": ["Typename:key", ...]}, e.g. {"tags": ["Customer:1001"]}.'),
      );
    }
    const purged = (await responseCache?.purge(tags as string[])) ?? 0;
    await state.publish(PURGE_CHANNEL, encodePurge(tags as string[]));
    res.json({ purged, tags });
  });
  if (options.routes) app.use(options.routes);
  if (config.authorization === 'off')
    log.warn(
      'authorization directives are not enforced (AUTHORIZATION=off, the default outside production): every caller sees every field; set AUTHORIZATION=filter to try scopes locally',
    );
  // A query's way before Apollo plans it (DIRECTION.md): each step in its own module, in this order.
  const pipeline = createPipeline({
    identify: identifyCaller({ registry, requireApiKey: config.requireApiKey, users }),
    penalty: config.penalty.refusals > 0 ? createPenaltyBox(state, config.penalty) : undefined,
    steps: [
      ...(config.anonymousRateLimit > 0 || registry ? [rateLimitCallers(state, config.anonymousRateLimit)] : []),
      documentLimits(schema, config.limits),
      persistedDocuments(manifest),
      costStep(schema, state, config.cost),
      ...(config.authorization === 'off' ? [] : [authorizationStep(schema, config.authorization)]),
      // Last: a hit is served only once everything it must still honour has run.
      ...(responseCache ? [responseCache.serveHits] : []),
    ],
  });
  front = answerBoxedCallers(pipeline, securityHeaderValues(securityOptions), config.penalty.holdMs);
  app.use(
    '/graphql',
    // Identification and the penalty box read headers only: a boxed caller's body is never read or parsed.
    pipeline.gate,
    refuseOversized(config.bodyLimit),
    express.json({ limit: config.bodyLimit }),
    pipeline.handler,
    expressMiddleware(apollo, {
      context: async ({ req, res }) => ({
        requestId: req.headers['x-request-id'] as string,
        requestHeaders: {
          'x-request-id': req.headers['x-request-id'] as string | undefined,
          traceparent: req.headers.traceparent as string | undefined,
          tracestate: typeof req.headers.tracestate === 'string' ? req.headers.tracestate : undefined,
          [DEADLINE_HEADER]: String(Date.now() + config.requestDeadlineMs),
        },
        caller: pipeline.stateOf(req).caller,
        request: pipeline.stateOf(req),
        entityTags: new Set<string>(),
        trace: res.locals.trace as RequestTrace | undefined,
      }),
    }),
  );
  app.use(jsonErrors(log));

  /** A subgraph is ready when it answers `{ __typename }` within two seconds. */
  async function probe(url: string): Promise<{ ok: boolean; error?: string }> {
    const body = JSON.stringify({ query: '{ __typename }' });
    const signature = config.subgraphSecret
      ? { [SIGNATURE_HEADER]: signRequest(config.subgraphSecret, { method: 'POST', path: new URL(url).pathname, body, identity: {} }) }
      : {};
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...signature },
        body,
        dispatcher: agent,
        signal: AbortSignal.timeout(2000),
      });
      await response.arrayBuffer();
      return response.ok ? { ok: true } : { ok: false, error: `HTTP ${response.status}` };
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
  }

  return {
    app,
    listen() {
      return new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(config.port, config.host, () => {
          const { port } = httpServer.address() as AddressInfo;
          resolve(`http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`);
        });
      });
    },
    async close() {
      stopping = true;
      // The drain plugin stops accepting connections and waits for in-flight requests before this resolves.
      await apollo.stop();
      await unsubscribe();
      await agent.close();
    },
    sizes: () => ({ ...responseCache?.sizes(), parsedDocuments: documentStore.keys().length }),
  };
}

/** A body announced larger than this is not drained after a refusal from the headers: the connection closes. */
const DRAIN_BYTES = 64 * 1024;

/** Boxed answers held at once by one process at most; beyond, they are sent at once (each held one is a socket). */
const MAX_HELD = 1000;

/**
 * The box's answer straight from the HTTP server, for a POST or GET to /graphql from a boxed caller: no router,
 * no middleware, no body read. The headers every response carries are set here too. A large body announced
 * after the headers is not drained to keep the connection (the caller's next request would cost that much
 * reading again): the connection closes after the answer. The answer is held `holdMs` first (a tarpit), so a
 * caller looping on refusals slows to one request per connection per hold.
 */
function answerBoxedCallers(
  pipeline: Pick<Pipeline, 'front'>,
  headers: Readonly<Record<string, string>>,
  holdMs: number,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  let held = 0;
  return (req, res) => {
    const path = req.url?.split('?', 1)[0];
    if (path !== '/graphql' && path !== '/graphql/') return false;
    const refusal = pipeline.front(req);
    if (!refusal) return false;
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    const length = Number(req.headers['content-length'] ?? 0);
    if (req.headers['transfer-encoding'] !== undefined || !(length <= DRAIN_BYTES)) res.setHeader('Connection', 'close');
    if (holdMs === 0 || held >= MAX_HELD) {
      refuse(res, refusal);
      return true;
    }
    held++;
    let waiting = true;
    const release = (): void => {
      if (!waiting) return;
      waiting = false;
      held--;
      clearTimeout(timer);
    };
    const timer = setTimeout(() => {
      release();
      if (!res.destroyed) refuse(res, refusal);
    }, holdMs);
    // A caller that hangs up is not waited for.
    res.once('close', release);
    return true;
  };
}

/** Bytes in a BODY_LIMIT such as `100kb` or `1mb` (the forms its validation accepts). */
export function bodyLimitBytes(limit: string): number {
  const [, amount, unit] = /^(\d+)(b|kb|mb)$/i.exec(limit) ?? [];
  return Number(amount) * ({ b: 1, kb: 1024, mb: 1024 * 1024 }[unit!.toLowerCase() as 'b' | 'kb' | 'mb'] ?? 1);
}

/**
 * A body announced larger than the limit is refused from its Content-Length, before a byte of it is read (the
 * JSON parser would read and discard it all first); the connection closes, so the rest is never parsed.
 */
function refuseOversized(limit: string): RequestHandler {
  const max = bodyLimitBytes(limit);
  return (req, res, next) => {
    const length = Number(req.headers['content-length']);
    if (!(length > max)) return next();
    res.set('Connection', 'close');
    refuse(res, new Refusal(413, ErrorCode.PAYLOAD_TOO_LARGE, `Request body is larger than the limit of ${max} bytes.`));
  };
}

/** Errors from body parsing (too large, malformed JSON) answered as GraphQL-style JSON, not HTML. */
function jsonErrors(log: Logger): ErrorRequestHandler {
  return (error: { status?: number; type?: string; limit?: number; message?: string }, _req, res, _next) => {
    const status = typeof error.status === 'number' ? error.status : 500;
    const code =
      error.type === 'entity.too.large'
        ? ErrorCode.PAYLOAD_TOO_LARGE
        : status < 500
          ? ErrorCode.BAD_REQUEST
          : ErrorCode.INTERNAL_SERVER_ERROR;
    const message =
      code === ErrorCode.PAYLOAD_TOO_LARGE
        ? `Request body is larger than the limit of ${error.limit} bytes.`
        : status < 500
          ? (error.message ?? 'Bad request.')
          : 'Unexpected error.';
    if (status >= 500) log.error({ err: error }, 'request failed');
    res.status(status).json({ errors: [{ message, extensions: { code } }] });
  };
}
