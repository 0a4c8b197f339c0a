import type { ApolloServerPlugin } from '@apollo/server';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import type { Request, RequestHandler, Response } from 'express';
import { createHash } from 'node:crypto';
import { Counter, Histogram } from 'prom-client';
import { SpanKind, SpanStatusCode, boundedLabel, failSpan, type Span, type Telemetry } from '../platform/index.js';
import type { GatewayContext } from './context.js';

const TRACEPARENT = /^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/;
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** What the gateway keeps per request for telemetry (GatewayContext.trace). */
export type RequestTrace = {
  /** The request's server span; undefined when tracing is off. */
  readonly span: Span | undefined;
  /** Set once Apollo's pipeline sees the request (the plugin counts it); unset, the cache's fast path answered. */
  seen: boolean;
  /** Runs one subgraph fetch of the query plan: a client span, its traceparent on the request, the fetch metrics. */
  fetch<T>(subgraph: string, run: (traceparent: string | undefined) => Promise<T>): Promise<T>;
};

export type GatewayTelemetryOptions = {
  /** The hashed `sub` of a JWT user, when the request has one; default none (API clients only). */
  userSub?: (context: GatewayContext) => string | undefined;
  /** Distinct operation names kept as label values before the rest count as `other`; default 200. */
  maxOperations?: number;
  /** Whether the response cache is on (RESPONSE_CACHE), so executed queries count as its misses; default false. */
  responseCache?: boolean;
  /** The API client of a request the pipeline identified (for hits answered before Apollo); default none. */
  clientOf?: (req: Request) => string | undefined;
};

export type GatewayTelemetry = {
  /** Mount on /graphql before requestIdentity: starts the request span and sets the traceparent subgraphs get. */
  readonly requests: RequestHandler;
  /** Apollo Server plugin: operation, client, outcome, errors and cache results into metrics and the span. */
  readonly plugin: ApolloServerPlugin<GatewayContext>;
  /** Counts served from the gateway's own caches since start, for the status page. */
  cacheCounts(): Record<'response' | 'apq', { hits: number; misses: number }>;
};

/** A user's `sub` as it may appear in a trace: a stable digest, never the identifier itself. */
export function hashSub(sub: string): string {
  return createHash('sha256').update(sub).digest('hex').slice(0, 16);
}

export function createGatewayTelemetry(telemetry: Telemetry, options: GatewayTelemetryOptions = {}): GatewayTelemetry {
  const registers = [telemetry.registry];
  const operationLabel = boundedLabel(options.maxOperations ?? 200);
  const codeLabel = boundedLabel(50);
  const requests = new Counter({
    name: 'interchange_graphql_requests_total',
    help: 'GraphQL requests by operation, API client and outcome (ok, partial, error).',
    labelNames: ['operation', 'client', 'outcome'],
    registers,
  });
  const duration = new Histogram({
    name: 'interchange_graphql_request_duration_seconds',
    help: 'Time from receiving a GraphQL request to sending its response.',
    labelNames: ['operation'],
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const errors = new Counter({
    name: 'interchange_graphql_errors_total',
    help: 'Errors in GraphQL responses, by extensions.code.',
    labelNames: ['code'],
    registers,
  });
  const lookups = new Counter({
    name: 'interchange_cache_lookups_total',
    help: 'Cache lookups by cache (response, apq, entity) and result (hit, miss).',
    labelNames: ['cache', 'result'],
    registers,
  });
  const fetches = new Counter({
    name: 'interchange_subgraph_fetches_total',
    help: 'Subgraph fetches of query plans, by subgraph and outcome (ok, error).',
    labelNames: ['subgraph', 'outcome'],
    registers,
  });
  const fetchDuration = new Histogram({
    name: 'interchange_subgraph_fetch_duration_seconds',
    help: 'Time of one subgraph fetch of a query plan.',
    labelNames: ['subgraph'],
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const counts = { response: { hits: 0, misses: 0 }, apq: { hits: 0, misses: 0 } };
  const lookup = (cache: 'response' | 'apq', hit: boolean) => {
    lookups.inc({ cache, result: hit ? 'hit' : 'miss' });
    counts[cache][hit ? 'hits' : 'misses'] += 1;
  };
  const tracing = telemetry.tracing;

  function createRequestTrace(span: Span | undefined): RequestTrace {
    return {
      span,
      seen: false,
      async fetch(subgraph, run) {
        const started = performance.now();
        const child =
          span &&
          tracing?.startSpan(
            `fetch ${subgraph}`,
            { kind: SpanKind.CLIENT, attributes: { 'interchange.subgraph': subgraph } },
            trace.setSpan(ROOT_CONTEXT, span),
          );
        try {
          const result = await run(child && tracing ? tracing.traceparent(child) : undefined);
          fetches.inc({ subgraph, outcome: 'ok' });
          return result;
        } catch (error) {
          fetches.inc({ subgraph, outcome: 'error' });
          if (child) failSpan(child, error);
          throw error;
        } finally {
          fetchDuration.observe({ subgraph }, (performance.now() - started) / 1000);
          child?.end();
        }
      },
    };
  }

  /**
   * A response cache hit is written by the cache's fast path (gateway/response-cache.ts) before Apollo runs, so
   * the plugin never sees it: it is counted here, when the response leaves with an `age` header and the plugin
   * did not claim the request.
   */
  function countFastPathHit(req: Request, res: Response, started: number, span: Span | undefined): void {
    if (res.statusCode !== 200 || !res.hasHeader('age')) return;
    const body = req.body as { operationName?: unknown } | undefined;
    const label = operationLabel(typeof body?.operationName === 'string' ? body.operationName : undefined, 'anonymous');
    const client = options.clientOf?.(req) ?? 'anonymous';
    requests.inc({ operation: label, client, outcome: 'ok' });
    duration.observe({ operation: label }, (performance.now() - started) / 1000);
    if (options.responseCache) lookup('response', true);
    span?.setAttributes({
      'interchange.outcome': 'ok',
      'interchange.client': client,
      ...(options.responseCache ? { 'interchange.response_cache': 'hit' } : {}),
    });
  }

  const middleware: RequestHandler = (req, res, next) => {
    const started = performance.now();
    let span: Span | undefined;
    if (tracing) {
      const given = req.headers.traceparent;
      const parent =
        typeof given === 'string' && TRACEPARENT.test(given)
          ? tracing.extract({
              traceparent: given,
              tracestate: typeof req.headers.tracestate === 'string' ? req.headers.tracestate : undefined,
            })
          : ROOT_CONTEXT;
      span = tracing.startSpan(
        'POST /graphql',
        { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'url.path': '/graphql' } },
        parent,
      );
      // requestIdentity keeps a valid traceparent: callers and subgraphs see this span as the parent.
      req.headers.traceparent = tracing.traceparent(span);
    }
    const requestTrace = createRequestTrace(span);
    res.locals.trace = requestTrace;
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      if (!requestTrace.seen) countFastPathHit(req, res, started, span);
      if (!span) return;
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    };
    res.once('finish', end);
    res.once('close', end);
    next();
  };

  const plugin: ApolloServerPlugin<GatewayContext> = {
    async requestDidStart({ request, contextValue }) {
      const started = performance.now();
      if (contextValue.trace) contextValue.trace.seen = true;
      const span = contextValue.trace?.span;
      // APQ: a hash without the query text is a lookup; Apollo answers PERSISTED_QUERY_NOT_FOUND on a miss.
      const apqLookup = request.query === undefined && request.extensions?.persistedQuery !== undefined;
      let operation: string | undefined;
      let executed = false;
      let apqMissed = false;
      return {
        async didResolveOperation({ operationName, operation: document }) {
          operation = operationName ?? undefined;
          if (!span) return;
          const client = contextValue.caller.name ?? 'anonymous';
          const type = document?.operation ?? 'query';
          span.updateName(`${type} ${operationName ?? 'anonymous'}`);
          span.setAttributes({
            'graphql.operation.name': operationName ?? '',
            'graphql.operation.type': type,
            'interchange.client': client,
          });
          const sub = options.userSub?.(contextValue);
          if (sub) span.setAttribute('interchange.user', hashSub(sub));
        },
        async executionDidStart() {
          executed = true;
        },
        async didEncounterErrors({ errors: list }) {
          for (const error of list) {
            const code = typeof error.extensions?.code === 'string' ? error.extensions.code : 'INTERNAL_SERVER_ERROR';
            if (code === 'PERSISTED_QUERY_NOT_FOUND') apqMissed = true;
            errors.inc({ code: codeLabel(code) });
          }
        },
        async willSendResponse({ response, operation: document, contextValue: context }) {
          const body = response.body.kind === 'single' ? response.body.singleResult : undefined;
          const outcome = !body?.errors?.length ? 'ok' : body.data ? 'partial' : 'error';
          const label = operationLabel(operation, 'anonymous');
          requests.inc({ operation: label, client: context.caller.name ?? 'anonymous', outcome });
          duration.observe({ operation: label }, (performance.now() - started) / 1000);
          if (apqLookup) lookup('apq', !apqMissed);
          // A query that was not executed was answered from the response cache (age header) or by a leader.
          const responseCache =
            !options.responseCache || document?.operation !== 'query'
              ? undefined
              : executed
                ? 'miss'
                : response.http.headers.has('age')
                  ? 'hit'
                  : undefined;
          if (responseCache) lookup('response', responseCache === 'hit');
          if (!span) return;
          span.setAttributes({ 'interchange.outcome': outcome, ...(responseCache ? { 'interchange.response_cache': responseCache } : {}) });
          if (outcome === 'error')
            span.setStatus({ code: SpanStatusCode.ERROR, message: String(body?.errors?.[0]?.extensions?.code ?? 'error') });
        },
      };
    },
  };

  return { requests: middleware, plugin, cacheCounts: () => structuredClone(counts) };
}
