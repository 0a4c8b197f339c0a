/**
 * Contenders (a), (a0) and (b): Interchange's gateway as production runs it — `createGateway` with the config
 * `readGatewayConfig` reads from this process's environment (NODE_ENV=production) — over the benchmark's
 * supergraph. One entry for the three: they differ only in the environment flags the runner sets, which is how
 * the gateway is configured in production too:
 *   (a)  GATEWAY_DEDUPE=true  RESPONSE_CACHE=false
 *   (a0) GATEWAY_DEDUPE=false RESPONSE_CACHE=false
 *   (b)  GATEWAY_DEDUPE=true  RESPONSE_CACHE=true   (the subgraphs send cache hints meanwhile)
 */
import { createGateway, readGatewayConfig } from '../../../gateway/index.js';
import { applyHeapGrowth, createLogger } from '../../../platform/index.js';
import { readContenderEnv, stopOnSignal } from './env.js';

// As launcher/main.ts does for `npm start -- gateway` (HEAP_GROWTH_PERCENT).
applyHeapGrowth();

const { port, host, supergraphSdl } = readContenderEnv();
const config = { ...readGatewayConfig(process.env), port, host };
const log = createLogger({ name: 'gateway', level: config.logLevel });
const gateway = await createGateway({ config, log, supergraphSdl });
const url = await gateway.listen();
console.log(`ready: ${url}/graphql`);
stopOnSignal(gateway.close);
