// What every subgraph shares. Vendor folders import the kit from here only.
export {
  InterchangeError,
  NotFoundError,
  BadUserInputError,
  ConflictError,
  PaymentDeclinedError,
  UpstreamUnavailableError,
  UpstreamTimeoutError,
  UpstreamRateLimitedError,
  UpstreamError,
  CircuitOpenError,
  ErrorCode,
  type UpstreamDetail,
} from './errors.js';
export { readPageArgs, toConnection, connectionFromArray, encodeCursor, decodeCursor, type PageRequest } from './connection.js';
export { moneyFromMinor, moneyFromDecimal, minorDigits } from './money.js';
export { scalarResolvers } from './scalars.js';
export { subgraphSdl, subgraphTypeDefs } from './schema.js';
export { createRequestContext, type SubgraphContext } from './context.js';
export { createSubgraphServer, type SubgraphServer, type SubgraphServerOptions, type LoaderTools } from './server.js';
export type { VendorClient, PolicyClientOptions } from './vendor-client.js';
export { createEntityCache, type EntityCache, type BatchFn } from './entity-cache.js';
export { entityKeyFields, tagOf } from './tags.js';
export { createSubgraphTelemetry, type SubgraphTelemetry } from './telemetry.js';
export { readSubgraphRuntime, DEFAULT_RUNTIME, type SubgraphRuntime } from './runtime.js';
export type { Money, PageInfo, Connection } from './types.js';
export {
  createCallPolicy,
  POLICY_DEFAULTS,
  shouldRetry,
  createBackoff,
  readDeadline,
  DEADLINE_HEADER,
  parseRetryAfter,
  createAbortableAgent,
  readPolicySettings,
  quotaWindows,
  type AbortableAgent,
  type AbortableAgentOptions,
  type PolicySettings,
  type PolicySettingDefaults,
  type BreakerState,
  type AttemptEnd,
  type CallKind,
  type CallObserver,
  type CallTracker,
  type CallPolicy,
  type CallPolicyOptions,
  type CallSpec,
  type Classifier,
  type Failure,
  type PolicyState,
  type QuotaWindow,
  type RetryDecision,
  type Translator,
} from './policy/index.js';
