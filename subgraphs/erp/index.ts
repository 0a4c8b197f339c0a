// The ERP subgraph's public face, for the launcher.
export { createErpSubgraph, type ErpSubgraphOptions } from './server.js';
export { readErpConfig, type ErpConfig, type ErpCredentials } from './config.js';
