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
  ErrorCode,
  type UpstreamDetail,
} from './errors.js';
export { readPageArgs, toConnection, connectionFromArray, encodeCursor, decodeCursor, type PageRequest } from './connection.js';
export { moneyFromMinor, moneyFromDecimal, minorDigits } from './money.js';
export { scalarResolvers } from './scalars.js';
export { subgraphSdl, subgraphTypeDefs } from './schema.js';
export { createRequestContext, type SubgraphContext } from './context.js';
export { createSubgraphServer, type SubgraphServer, type SubgraphServerOptions } from './server.js';
export type { Money, PageInfo, Connection } from './types.js';
