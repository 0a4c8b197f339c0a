import { Counter, Gauge, Histogram } from 'prom-client';
import type { RequestHandler } from 'express';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { SpanKind, SpanStatusCode, failSpan, type Span, type Telemetry } from '../../platform/index.js';
import { createAttemptSeries, type AttemptSeriesOptions, type SeriesPoint } from './attempt-series.js';
import type { BatchFn } from './entity-cache.js';
import type { AttemptEnd, BreakerState, CallObserver, PolicyState } from './policy/types.js';

/** Latency buckets for vendor calls, in seconds: from a cached-connection read to a slow SOAP page. */
const VENDOR_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BREAKER_STATES: readonly BreakerState[] = ['closed', 'open', 'half-open', 'isolated'];

/** What the kit observes in one subgraph: vendor calls, DataLoader batches, entity cache lookups, requests. */
export type SubgraphTelemetry = {
  readonly telemetry: Telemetry;
  /** Give it to the vendor client's call policy (PolicyClientOptions.observer). */
  readonly observer: CallObserver;
  /** Reports the vendor's breaker, bulkhead and quota at each scrape; call once with the client's state reader. */
  watchUpstream(state: () => PolicyState): void;
  /** Wraps a DataLoader batch function: a span with the batch size, and the size histogram. */
  batch<V>(typename: string, batch: BatchFn<V>): BatchFn<V>;
  /** Counts one entity cache lookup batch (EntityCacheOptions.onLookup). */
  entityLookup(lookup: { typename: string; keys: number; hits: number }): void;
  /** Express middleware before Apollo: one server span per request, a child of the gateway's traceparent. */
  readonly requests: RequestHandler | undefined;
  /**
   * The same telemetry for another subgraph its part serves over the same vendor client (`crm-relations`): one
   * registry, tracer and call observer, so its vendor calls nest under its own request spans; batches and
   * request spans named for it. Its server names this one's subgraph as the client's owner (which watches it).
   */
  companion(subgraph: string): SubgraphTelemetry;
  /** What /health/upstreams adds for the status page: last failed calls, attempts over time, entity cache counts. */
  recent(): {
    lastErrors: RecentError[];
    series: SeriesPoint[];
    lastAttempts: { attempts: number; errorRate: number };
    entityCache: { hits: number; misses: number };
  };
};

export type SubgraphTelemetryOptions = {
  /** The vendor attempts series (bucket width, clock); default 30 buckets of 10 s. */
  series?: AttemptSeriesOptions;
};

/** One failed logical vendor call, as the status page lists it. */
export type RecentError = { at: string; endpoint: string; code: string; message: string };

/** Failed calls remembered per subgraph for the status page. */
const LAST_ERRORS = 5;

/** The reason a failed attempt is retried, as a bounded label: a status, `timeout` or `network`. */
function reasonOf(end: AttemptEnd): string {
  if (end.timedOut) return 'timeout';
  return end.failure?.status !== undefined ? String(end.failure.status) : 'network';
}

/** The attempt's outcome as a bounded label: `ok`, the vendor's HTTP status, `timeout` or `network`. */
const statusOf = (end: AttemptEnd): string => (end.failure ? reasonOf(end) : 'ok');

export function createSubgraphTelemetry(telemetry: Telemetry, subgraph: string, options: SubgraphTelemetryOptions = {}): SubgraphTelemetry {
  const registers = [telemetry.registry];
  const requests = new Counter({
    name: 'interchange_vendor_requests_total',
    help: 'Attempts sent to a vendor, by endpoint and outcome (ok, HTTP status, timeout, network).',
    labelNames: ['vendor', 'endpoint', 'status'],
    registers,
  });
  const duration = new Histogram({
    name: 'interchange_vendor_request_duration_seconds',
    help: 'Time of one attempt at a vendor, from sending to the answer.',
    labelNames: ['vendor', 'endpoint'],
    buckets: VENDOR_BUCKETS,
    registers,
  });
  const calls = new Counter({
    name: 'interchange_vendor_calls_total',
    help: 'Logical vendor calls (retries included), by result: ok or the error code the caller got.',
    labelNames: ['vendor', 'endpoint', 'result'],
    registers,
  });
  const retries = new Counter({
    name: 'interchange_vendor_retries_total',
    help: 'Attempts repeated after a failure, by the failure that caused the retry.',
    labelNames: ['vendor', 'endpoint', 'reason'],
    registers,
  });
  const quotaWait = new Histogram({
    name: 'interchange_vendor_quota_wait_seconds',
    help: 'Time an attempt waited for the vendor quota (Interchange pacing itself).',
    labelNames: ['vendor', 'bucket'],
    buckets: [0.001, 0.01, 0.1, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const batchSize = new Histogram({
    name: 'interchange_dataloader_batch_size',
    help: 'Keys per DataLoader batch, by entity type.',
    labelNames: ['subgraph', 'type'],
    buckets: [1, 2, 5, 10, 25, 50, 100, 250],
    registers,
  });
  const lookups = new Counter({
    name: 'interchange_cache_lookups_total',
    help: 'Cache lookups by cache (response, apq, entity) and result (hit, miss).',
    labelNames: ['cache', 'result'],
    registers,
  });
  const tracing = telemetry.tracing;
  const lastErrors: RecentError[] = [];
  const entityCounts = { hits: 0, misses: 0 };
  const series = createAttemptSeries(options.series);

  const observer: CallObserver = {
    onCall({ upstream, operation, kind, bucket }) {
      const span = tracing?.startSpan(`${upstream} ${operation}`, {
        kind: SpanKind.CLIENT,
        attributes: {
          'interchange.vendor': upstream,
          'interchange.vendor.endpoint': operation,
          'interchange.vendor.kind': kind,
          'interchange.vendor.bucket': bucket,
        },
      });
      const parent = span ? trace.setSpan(ROOT_CONTEXT, span) : undefined;
      return {
        onAttempt({ attempt, breaker, quotaWaitMs }) {
          quotaWait.observe({ vendor: upstream, bucket }, quotaWaitMs / 1000);
          const attemptSpan: Span | undefined =
            parent &&
            tracing?.startSpan(
              `${upstream} ${operation} #${attempt}`,
              {
                kind: SpanKind.CLIENT,
                attributes: {
                  'interchange.vendor': upstream,
                  'interchange.vendor.endpoint': operation,
                  'interchange.vendor.attempt': attempt,
                  'interchange.vendor.breaker': breaker,
                  'interchange.vendor.quota_wait_ms': Math.round(quotaWaitMs),
                },
              },
              parent,
            );
          return (end) => {
            const status = statusOf(end);
            requests.inc({ vendor: upstream, endpoint: operation, status });
            duration.observe({ vendor: upstream, endpoint: operation }, end.durationMs / 1000);
            series.record(end.durationMs, end.failure?.countsForBreaker === true);
            if (end.decision?.retry) retries.inc({ vendor: upstream, endpoint: operation, reason: reasonOf(end) });
            if (!attemptSpan) return;
            attemptSpan.setAttribute('interchange.vendor.status', status);
            if (end.failure?.status !== undefined) attemptSpan.setAttribute('http.response.status_code', end.failure.status);
            if (end.decision) {
              attemptSpan.setAttribute('interchange.vendor.retry', end.decision.retry);
              attemptSpan.setAttribute('interchange.vendor.retry_reason', end.decision.retry ? reasonOf(end) : end.decision.reason);
            }
            if (end.failure) attemptSpan.setStatus({ code: SpanStatusCode.ERROR, message: status });
            attemptSpan.end();
          };
        },
        onEnd({ attempts, error, breaker }) {
          calls.inc({ vendor: upstream, endpoint: operation, result: error ? String(error.extensions.code) : 'ok' });
          if (error) {
            lastErrors.unshift({
              at: new Date().toISOString(),
              endpoint: operation,
              code: String(error.extensions.code),
              message: error.message,
            });
            lastErrors.length = Math.min(lastErrors.length, LAST_ERRORS);
          }
          if (!span) return;
          span.setAttributes({ 'interchange.vendor.attempts': attempts, 'interchange.vendor.breaker': breaker });
          if (error) {
            span.setAttribute('interchange.error.code', String(error.extensions.code));
            failSpan(span, error);
          }
          span.end();
        },
      };
    },
  };

  /** A DataLoader batch function observed for one subgraph of the part. */
  const batchOf =
    (name: string) =>
    <V>(typename: string, batch: BatchFn<V>): BatchFn<V> => {
      return async (keys) => {
        batchSize.observe({ subgraph: name, type: typename }, keys.length);
        if (!tracing) return batch(keys);
        const span = tracing.startSpan(`dataloader ${typename}`, {
          attributes: { 'interchange.dataloader.type': typename, 'interchange.dataloader.batch_size': keys.length },
        });
        try {
          return await tracing.run(trace.setSpan(tracing.active(), span), () => batch(keys));
        } catch (error) {
          failSpan(span, error);
          throw error;
        } finally {
          span.end();
        }
      };
    };
  /** One server span per request of one subgraph of the part, a child of the gateway's traceparent. */
  const requestsOf = (name: string): RequestHandler | undefined =>
    tracing
      ? (req, res, next) => {
          const body = req.body as { operationName?: unknown } | undefined;
          const operation = typeof body?.operationName === 'string' ? body.operationName : undefined;
          const header = (name: string) => (typeof req.headers[name] === 'string' ? (req.headers[name] as string) : undefined);
          const span = tracing.startSpan(
            `subgraph ${name}${operation ? ` ${operation}` : ''}`,
            {
              kind: SpanKind.SERVER,
              attributes: { 'interchange.subgraph': name, ...(operation ? { 'graphql.operation.name': operation } : {}) },
            },
            tracing.extract({ traceparent: header('traceparent'), tracestate: header('tracestate') }),
          );
          res.once('finish', () => {
            span.setAttribute('http.response.status_code', res.statusCode);
            if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
            span.end();
          });
          tracing.run(trace.setSpan(ROOT_CONTEXT, span), next);
        }
      : undefined;
  const own: SubgraphTelemetry = {
    telemetry,
    observer,
    watchUpstream(state) {
      // Read at scrape time from the policy itself, so the numbers are never stale and cost nothing between scrapes.
      new Gauge({
        name: 'interchange_vendor_breaker_state',
        help: 'The vendor circuit breaker: 1 for its current state, 0 for the others.',
        labelNames: ['vendor', 'state'],
        registers,
        collect() {
          const now = state();
          for (const name of BREAKER_STATES) this.set({ vendor: now.upstream, state: name }, now.breaker === name ? 1 : 0);
        },
      });
      new Gauge({
        name: 'interchange_vendor_bulkhead_in_flight',
        help: 'Vendor attempts running now.',
        labelNames: ['vendor'],
        registers,
        collect() {
          const now = state();
          this.set({ vendor: now.upstream }, now.inFlight);
        },
      });
      new Gauge({
        name: 'interchange_vendor_bulkhead_queued',
        help: 'Vendor attempts waiting for a bulkhead slot.',
        labelNames: ['vendor'],
        registers,
        collect() {
          const now = state();
          this.set({ vendor: now.upstream }, now.queued);
        },
      });
      new Gauge({
        name: 'interchange_vendor_quota_remaining',
        help: 'Calls left in the vendor quota bucket (its tightest window), as last spent.',
        labelNames: ['vendor', 'bucket'],
        registers,
        collect() {
          const now = state();
          for (const [bucket, left] of Object.entries(now.quota)) this.set({ vendor: now.upstream, bucket }, left.remaining);
        },
      });
      new Gauge({
        name: 'interchange_vendor_quota_reset_seconds',
        help: 'Seconds until the vendor quota bucket refills.',
        labelNames: ['vendor', 'bucket'],
        registers,
        collect() {
          const now = state();
          for (const [bucket, left] of Object.entries(now.quota)) this.set({ vendor: now.upstream, bucket }, left.resetsInMs / 1000);
        },
      });
    },
    batch: batchOf(subgraph),
    entityLookup({ typename, keys, hits }) {
      entityCounts.hits += hits;
      entityCounts.misses += keys - hits;
      lookups.inc({ cache: 'entity', result: 'hit' }, hits);
      lookups.inc({ cache: 'entity', result: 'miss' }, keys - hits);
      if (tracing)
        trace.getSpan(tracing.active())?.setAttributes({
          'interchange.entity_cache.type': typename,
          'interchange.entity_cache.hits': hits,
          'interchange.entity_cache.misses': keys - hits,
        });
    },
    recent: () => ({
      lastErrors: [...lastErrors],
      series: series.points(),
      lastAttempts: series.recentErrorRate(),
      entityCache: { ...entityCounts },
    }),
    requests: requestsOf(subgraph),
    companion: (name) => ({ ...own, batch: batchOf(name), requests: requestsOf(name) }),
  };
  return own;
}
