// The event pipeline's public face, for the launcher, the CLI and tests.
export {
  createEventPipeline,
  UnknownVendorError,
  type EventPipeline,
  type EventPipelineOptions,
  type WorkerOptions,
  type IngestResult,
  type ReconcileResult,
} from './pipeline.js';
export { eventRoutes, readFilter, FilterError, type EventRoutesOptions } from './http.js';
export { readEventsConfig, type EventsConfig } from './config.js';
export { listEvents, getEvent, countByStatus, EVENT_STATUSES, type LoggedEvent, type EventFilter, type EventStatus } from './log.js';
export type { ApplyHooks, ApplyOutcome } from './apply.js';
export { asBossDb } from './jobs.js';
export { summarizeEvents, registerEventMetrics, oldestUnapplied, type EventsSummary } from './status.js';
export { createAnalyticsReadModel, storeEvents, collapseCopies } from './analytics.js';
export { createAnalyticsSync, type AnalyticsSync, type AnalyticsSyncOptions, type SyncOutcome } from './analytics-sync.js';
export { readAnalyticsSyncConfig, type AnalyticsSyncConfig } from './analytics-config.js';
