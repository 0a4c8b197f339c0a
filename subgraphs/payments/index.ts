// The payments subgraph's public face, for the launcher.
export { createPaymentsSubgraph, type PaymentsSubgraphOptions } from './server.js';
export { readPaymentsConfig, toStripeEndpoint, type PaymentsConfig, type StripeEndpoint } from './config.js';
