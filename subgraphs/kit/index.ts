// What every subgraph shares: the kit's public face, exactly what vendor folders (and the launcher, which
// starts them) use. Vendor folders import the kit from here only; the kit's own tests import its modules.
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
  type UpstreamDetail,
} from './errors.js';
export { readPageArgs, toConnection, connectionFromArray, encodeCursor } from './connection.js';
export { moneyFromMinor, moneyFromDecimal, minorDigits } from './money.js';
export { scalarResolvers } from './scalars.js';
export type { SubgraphContext } from './context.js';
export { createSubgraphServer, type SubgraphServer, type LoaderTools } from './server.js';
export {
  createVendorClient,
  type VendorClient,
  type PolicyClientOptions,
  type Operation,
  type OperationTable,
  type VendorCall,
  type VendorErrors,
} from './vendor-client.js';
export { required, validInput, chunk, optionalText, optionalCountryCode } from './input.js';
export type { BatchFn } from './entity-cache.js';
export { createSubgraphTelemetry, type SubgraphTelemetry } from './telemetry.js';
export { readSubgraphRuntime, type SubgraphRuntime } from './runtime.js';
export type { Money, Connection } from './types.js';
export {
  parseRetryAfter,
  createAbortableAgent,
  readPolicySettings,
  quotaWindows,
  type PolicySettings,
  type QuotaWindow,
  type Failure,
} from './policy/index.js';
export type { Clock } from './policy/index.js';
