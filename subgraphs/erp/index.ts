// The ERP subgraph's public face, for the launcher.
export { createErpSubgraph, type ErpSubgraphOptions } from './server.js';
export { readErpConfig, readErpFeedConfig, type ErpConfig, type ErpCredentials, type ErpFeedConfig } from './config.js';
