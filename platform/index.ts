// The platform's public face: what the gateway and the subgraphs both run on.
export { ConfigError, readEnv, env, isSecretName, type Env } from './config.js';
export { createLogger, type Logger, type LoggerConfig } from './logger.js';
export { ErrorCode, isDeliberateCode } from './errors.js';
export { createMemoryState, type SharedState, type KeyValueCache } from './state.js';
export { SUBGRAPHS, defaultSubgraphUrl, type SubgraphName } from './topology.js';
