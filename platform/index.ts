// The platform's public face: what the gateway and the subgraphs both run on.
export { ConfigError, readEnv, env, isSecretName, type Env } from './config.js';
export { loadEnvFile } from './env-file.js';
export { apolloCacheJsonBytes, applyHeapGrowth, boundedDocumentStore } from './memory.js';
export { createLogger, type Logger, type LoggerConfig } from './logger.js';
export { ErrorCode, isDeliberateCode } from './errors.js';
export {
  createMemoryState,
  createRedisState,
  createSharedState,
  type SharedState,
  type KeyValueCache,
  type RedisStateOptions,
  type MemoryStateOptions,
  DEFAULT_MEMORY_CACHE_MB,
} from './state.js';
export { PURGE_CHANNEL, encodePurge, decodePurge, type PurgeMessage } from './purge.js';
export {
  SUBGRAPHS,
  SUBGRAPH_PARTS,
  companionsOf,
  defaultSubgraphUrl,
  subgraphFolder,
  type PartName,
  type SubgraphName,
} from './topology.js';
export { DEADLINE_HEADER } from './deadline.js';
export {
  createTelemetry,
  readTelemetryConfig,
  failSpan,
  SpanKind,
  SpanStatusCode,
  type Span,
  type Context as TraceContext,
  type Telemetry,
  type TelemetryConfig,
  type TelemetryOptions,
  type Tracing,
} from './telemetry.js';
export { createTraceStore, type TraceStore, type StoredTrace, type StoredSpan } from './trace-store.js';
export { boundedLabel, metricsRoute } from './metrics.js';
export { adminOnly, readAdminConfig, type AdminConfig, type AdminOnlyOptions } from './admin.js';
export {
  openDatabase,
  readDatabaseConfig,
  migrate,
  type Database,
  type DatabaseOptions,
  type Queryable,
  type Migration,
} from './database.js';
export {
  SignatureError,
  PayloadError,
  type SignatureProblem,
  type WebhookRequest,
  type VendorEvent,
  type VendorAdapter,
  type DomainChange,
  type CatchUpCursor,
  type CatchUpPage,
} from './webhooks.js';
export { SIGNATURE_HEADER, IDENTITY_HEADERS, GatewaySignatureError, signRequest, verifyRequest, type SignedRequest } from './signature.js';
export type { AnalyticsEvent, AnalyticsExportSource, AnalyticsReadModel, ReadModelStatus, TimeWindow } from './analytics.js';
export {
  IdempotencyKeyReusedError,
  type CustomerSyncReader,
  type CustomerSyncRecord,
  type Json,
  type OffboardInput,
  type OffboardResult,
  type OnboardInput,
  type OnboardResult,
  type SagaFailure,
  type SagaOutcome,
  type SagaService,
  type SagaStatus,
  type SagaView,
  type StepStatus,
} from './sync.js';
