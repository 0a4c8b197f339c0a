// The analytics subgraph's public face, for the launcher.
export { createAnalyticsSubgraph, type AnalyticsSubgraphOptions } from './server.js';
export { readAnalyticsConfig, type AnalyticsConfig, type ServiceAccount } from './config.js';
export { createExportSource, toExportSource, type ExportSourceOptions } from './feed.js';
