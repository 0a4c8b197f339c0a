// The sync subgraph's public face, for the launcher.
export { createSyncSubgraph, type SyncSubgraphOptions } from './server.js';
