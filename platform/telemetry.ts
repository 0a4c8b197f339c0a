import { SpanKind, SpanStatusCode, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { z } from 'zod';
import { env, readEnv, type Env } from './config.js';
import { createTraceStore, type TraceStore } from './trace-store.js';

export { SpanKind, SpanStatusCode, type Attributes, type Context, type Span };

/**
 * Telemetry of one part (the gateway, one subgraph): its own Prometheus registry and, when tracing is on, its own
 * tracer. Made by the launcher per part and passed in; nothing here is registered globally, so two parts in one
 * process (the embedded stack, tests) never see each other's metrics and tests have nothing to reset.
 */
export type Telemetry = {
  /** The part's name, e.g. `gateway` or `crm`; the trace resource's service.name is `interchange-<part>`. */
  readonly part: string;
  /** This part's metrics (never prom-client's global registry), served at GET /metrics. */
  readonly registry: Registry;
  /** Undefined when tracing is off: no span is made anywhere and the cost is one property check. */
  readonly tracing: Tracing | undefined;
  /** Flushes and stops the exporter (pending spans are sent). */
  shutdown(): Promise<void>;
};

/** Tracing of one part: spans with explicit parents, and an active context per async call chain. */
export type Tracing = {
  readonly tracer: Tracer;
  /** The recent traces kept in memory for /status (shared by every part of the process); undefined when off. */
  readonly store: TraceStore | undefined;
  /** Starts a span whose parent is `parent` (default: the active context). */
  startSpan(name: string, options: { kind?: SpanKind; attributes?: Attributes }, parent?: Context): Span;
  /** The context a W3C `traceparent` (and `tracestate`) describes; ROOT_CONTEXT when absent or invalid. */
  extract(headers: { traceparent?: string | undefined; tracestate?: string | undefined }): Context;
  /** The `traceparent` header naming this span as the parent. */
  traceparent(span: Span): string;
  /** Runs `fn` with `context` active: spans started inside, however deep in async code, become its children. */
  run<T>(context: Context, fn: () => T): T;
  /** The context active in this async call chain (ROOT_CONTEXT outside any `run`). */
  active(): Context;
};

export type TelemetryConfig = {
  /** OTEL_EXPORTER_OTLP_ENDPOINT: OTLP/HTTP base URL (traces go to `<url>/v1/traces`); unset exports nothing. */
  otlpEndpoint: string | undefined;
  /** OTEL_TRACES_SAMPLER_ARG: share of new traces recorded, 0..1; default 1. A caller's sampled flag wins. */
  sampleRatio: number;
  /**
   * STATUS_TRACES: how many recent traces the process keeps in memory for /status; default 200 outside
   * production, 0 in production (set it to see waterfalls there). 0 with no OTLP endpoint turns tracing off.
   */
  recentTraces: number;
};

export function readTelemetryConfig(source: Env = process.env): TelemetryConfig {
  const vars = readEnv(
    {
      NODE_ENV: env.nodeEnv(),
      OTEL_EXPORTER_OTLP_ENDPOINT: env.url().optional(),
      OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0, 'expected a ratio from 0 to 1').max(1, 'expected a ratio from 0 to 1').default(1),
      STATUS_TRACES: z.coerce.number().int().min(0).max(10_000).optional(),
    },
    source,
  );
  return {
    otlpEndpoint: vars.OTEL_EXPORTER_OTLP_ENDPOINT,
    sampleRatio: vars.OTEL_TRACES_SAMPLER_ARG,
    recentTraces: vars.STATUS_TRACES ?? (vars.NODE_ENV === 'production' ? 0 : 200),
  };
}

export type TelemetryOptions = {
  /** The part's name: `gateway` or a subgraph's name. */
  part: string;
  /** From readTelemetryConfig(); default: tracing off (metrics only). */
  config?: TelemetryConfig;
  /** The process's trace store, shared by its parts so /status sees whole traces; default one made here when `config.recentTraces` > 0. */
  store?: TraceStore;
  /** Process metrics (CPU, memory, event loop lag, GC) in this registry; default true. Turn off for all but one part of a process. */
  processMetrics?: boolean;
};

/**
 * Makes one part's telemetry. Call `shutdown()` when the part stops. The OpenTelemetry SDK is loaded only when
 * tracing is on, so a process without it pays nothing for it, start-up included.
 */
export async function createTelemetry(options: TelemetryOptions): Promise<Telemetry> {
  const registry = new Registry();
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry });
  const config = options.config;
  const store = options.store ?? (config && config.recentTraces > 0 ? createTraceStore({ maxTraces: config.recentTraces }) : undefined);
  const otlpEndpoint = config?.otlpEndpoint;
  if (!store && !otlpEndpoint) return { part: options.part, registry, tracing: undefined, shutdown: async () => {} };
  const { createTracing } = await import('./tracing.js');
  const { tracing, shutdown } = createTracing({ part: options.part, sampleRatio: config?.sampleRatio ?? 1, store, otlpEndpoint });
  return { part: options.part, registry, tracing, shutdown };
}

/** Ends a span as failed with the error's message (and code, when it has one). */
export function failSpan(span: Span, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}
