import { ROOT_CONTEXT, trace, type Context } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Tracing } from './telemetry.js';
import type { TraceStore } from './trace-store.js';

/**
 * One part's tracer on the OpenTelemetry SDK (loaded by createTelemetry only when tracing is on): its own
 * provider, parent-based ratio sampling, the process's trace store and/or a batching OTLP/HTTP exporter. The
 * active context lives in this part's own AsyncLocalStorage; nothing is registered with the global API.
 */
export function createTracing(options: {
  part: string;
  sampleRatio: number;
  store: TraceStore | undefined;
  otlpEndpoint: string | undefined;
}): { tracing: Tracing; shutdown(): Promise<void> } {
  const processors: SpanProcessor[] = [];
  if (options.store) processors.push(options.store.processor);
  if (options.otlpEndpoint) processors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url: `${options.otlpEndpoint}/v1/traces` })));
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': `interchange-${options.part}`, 'service.namespace': 'interchange' }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(options.sampleRatio) }),
    spanProcessors: processors,
  });
  const tracer = provider.getTracer('interchange');
  const propagator = new W3CTraceContextPropagator();
  const current = new AsyncLocalStorage<Context>();
  const tracing: Tracing = {
    tracer,
    store: options.store,
    startSpan: (name, spanOptions, parent) => tracer.startSpan(name, spanOptions, parent ?? current.getStore() ?? ROOT_CONTEXT),
    extract: (headers) =>
      propagator.extract(ROOT_CONTEXT, headers, {
        get: (carrier, key) => (carrier as Record<string, string | undefined>)[key],
        keys: (carrier) => Object.keys(carrier),
      }),
    traceparent(span) {
      const carrier: Record<string, string> = {};
      propagator.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, {
        set: (target, key, value) => void ((target as Record<string, string>)[key] = value),
      });
      return carrier.traceparent ?? '';
    },
    run: (context, fn) => current.run(context, fn),
    active: () => current.getStore() ?? ROOT_CONTEXT,
  };
  return { tracing, shutdown: () => provider.shutdown() };
}
