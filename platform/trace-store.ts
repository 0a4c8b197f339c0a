import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';

/** One finished span as /status shows it. */
export type StoredSpan = {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  /** The part that recorded it (resource service.name). */
  service: string;
  startMs: number;
  durationMs: number;
  failed: boolean;
  /** The error message of a failed span. */
  message: string | undefined;
  attributes: Record<string, string | number | boolean>;
};

/** The spans of one trace seen by this process, in the order they ended. */
export type StoredTrace = {
  traceId: string;
  spans: StoredSpan[];
  /** The span with no parent here, once it ended. */ root: StoredSpan | undefined;
};

/** Recent traces in memory, bounded: the oldest trace is dropped when `maxTraces` are kept. */
export type TraceStore = {
  /** Add it to every part's tracer provider of the process (createTelemetry does so when given the store). */
  readonly processor: SpanProcessor;
  /** The traces whose root has ended, slowest first. */
  slowest(count: number): StoredTrace[];
  get(traceId: string): StoredTrace | undefined;
};

export type TraceStoreOptions = {
  /** Traces kept; default 200. */
  maxTraces?: number;
  /** Spans kept per trace (a runaway list query must not hold thousands); default 300. */
  maxSpansPerTrace?: number;
};

const toMs = ([seconds, nanos]: [number, number]): number => seconds * 1000 + nanos / 1e6;

function toStored(span: ReadableSpan): StoredSpan {
  const attributes: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(span.attributes)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') attributes[key] = value;
    else if (Array.isArray(value)) attributes[key] = value.join(', ');
  }
  const context = span.spanContext();
  return {
    traceId: context.traceId,
    spanId: context.spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    name: span.name,
    service: String(span.resource.attributes['service.name'] ?? 'unknown'),
    startMs: toMs(span.startTime),
    durationMs: toMs(span.duration),
    // 2 is SpanStatusCode.ERROR.
    failed: span.status.code === 2,
    message: span.status.message,
    attributes,
  };
}

export function createTraceStore(options: TraceStoreOptions = {}): TraceStore {
  const maxTraces = options.maxTraces ?? 200;
  const maxSpans = options.maxSpansPerTrace ?? 300;
  const traces = new Map<string, StoredTrace>();

  const processor: SpanProcessor = {
    onStart(_span: Span, _context: Context) {},
    onEnd(span: ReadableSpan) {
      const stored = toStored(span);
      let entry = traces.get(stored.traceId);
      if (!entry) {
        entry = { traceId: stored.traceId, spans: [], root: undefined };
        traces.set(stored.traceId, entry);
        if (traces.size > maxTraces) traces.delete(traces.keys().next().value!);
      }
      if (entry.spans.length < maxSpans) entry.spans.push(stored);
      // The gateway's request span has no parent, or a parent in the caller's process: either way, not here.
      if (!stored.parentSpanId || !entry.spans.some((other) => other.spanId === stored.parentSpanId)) {
        if (!entry.root || stored.startMs <= entry.root.startMs) entry.root = stored;
      }
    },
    forceFlush: async () => {},
    shutdown: async () => {},
  };

  return {
    processor,
    slowest(count) {
      return [...traces.values()]
        .filter((entry) => entry.root !== undefined)
        .sort((a, b) => b.root!.durationMs - a.root!.durationMs)
        .slice(0, count);
    },
    get: (traceId) => traces.get(traceId),
  };
}
