// The CRM subgraph's public face, for the launcher.
export { createCrmSubgraph, type CrmSubgraphOptions } from './server.js';
export { readCrmConfig, type CrmConfig, type HubSpotAuth } from './config.js';
