/**
 * The analytics subgraph's side of the read model: Mixpanel's raw export as the AnalyticsExportSource the
 * launcher hands to events/ (which may not import this folder). The export goes through the vendor client, so
 * the sync spends from the same `export` quota, with the same policy, truncation check and parsing as a query.
 */
import type { AnalyticsExportSource, Logger, SharedState } from '../../platform/index.js';
import type { SubgraphTelemetry } from '../kit/index.js';
import { clientFromConfig, type AnalyticsClient, type ResolvedAnalyticsConfig } from './client.js';

/** An export source over a client the caller owns (closing it stays the caller's job). */
export function toExportSource(client: Pick<AnalyticsClient, 'exportEvents'>): AnalyticsExportSource {
  return {
    vendor: 'mixpanel',
    exportDays: (fromDay, toDay) => client.exportEvents({ fromDate: fromDay, toDate: toDay }),
  };
}

export type ExportSourceOptions = {
  config: ResolvedAnalyticsConfig;
  log: Logger;
  /** With Redis, the quota is the one every replica and the subgraph spend from. */
  state?: SharedState;
  telemetry?: SubgraphTelemetry;
};

/** An export source with a client of its own (a worker process has no subgraph to borrow one from). */
export function createExportSource(options: ExportSourceOptions): AnalyticsExportSource {
  const client = clientFromConfig(options.config, {
    observer: options.telemetry?.observer,
    ...(options.state?.redis ? { redis: options.state.redis } : {}),
    log: options.log.child({ part: 'analytics-sync' }),
  });

  return { ...toExportSource(client), close: async () => client.close() };
}
