// The gateway's public face, for the launcher.
export { createGateway, supergraphSubgraphs, type Gateway, type GatewayOptions } from './server.js';
export { readGatewayConfig, type GatewayConfig } from './config.js';
export type { EventsPanel } from './status.js';
