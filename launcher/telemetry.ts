import { createTelemetry, createTraceStore, readTelemetryConfig, type Env, type Telemetry } from '../platform/index.js';

/**
 * Makes each part's telemetry for one process: one configuration (OTEL_*, STATUS_TRACES) and one trace store,
 * so /status shows whole traces when the gateway and subgraphs share the process. Process metrics (memory, CPU,
 * event loop) go to one part's registry only, `processMetrics`, or every part's when it is `every`.
 */
export function createPartTelemetry(source: Env, options: { processMetrics: string | 'every' }): (part: string) => Promise<Telemetry> {
  const config = readTelemetryConfig(source);
  const store = config.recentTraces > 0 ? createTraceStore({ maxTraces: config.recentTraces }) : undefined;
  return (part) =>
    createTelemetry({ part, config, store, processMetrics: options.processMetrics === 'every' || options.processMetrics === part });
}
