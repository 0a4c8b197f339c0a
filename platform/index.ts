// The platform's public face: what the gateway and the subgraphs both run on.
export { ConfigError, readEnv, env, isSecretName, type Env } from './config.js';
export { createLogger, type Logger, type LoggerConfig } from './logger.js';
export { ErrorCode, isDeliberateCode } from './errors.js';
export { createMemoryState, createRedisState, createSharedState, type SharedState, type KeyValueCache, type RedisStateOptions } from './state.js';
export { PURGE_CHANNEL, encodePurge, decodePurge, type PurgeMessage } from './purge.js';
export { SUBGRAPHS, defaultSubgraphUrl, type SubgraphName } from './topology.js';
export { DEADLINE_HEADER } from './deadline.js';
export { SIGNATURE_HEADER, IDENTITY_HEADERS, SignatureError, signRequest, verifyRequest, type SignedRequest } from './signature.js';
