// The CRM subgraph's public face, for the launcher.
export { createCrmSubgraphs, type CrmSubgraphOptions, type CrmSubgraphs } from './server.js';
export { readCrmConfig, type CrmConfig, type HubSpotAuth } from './config.js';
