/**
 * Contender (a+otel): contender (a) with Interchange's telemetry on, as production would run it with a
 * collector: metrics in the gateway's registry, and traces sampled at OTEL_TRACES_SAMPLER_ARG (the runner sets
 * 0.1) exported over OTLP/HTTP by the batch processor. The receiver is a worker thread of this process that
 * accepts every export and counts it, standing in for a collector on the same host; it prints what it got at
 * stop, so the child log shows the spans really left.
 */
import { Worker } from 'node:worker_threads';
import { createGateway, readGatewayConfig } from '../../../gateway/index.js';
import { applyHeapGrowth, createLogger, createTelemetry, readTelemetryConfig } from '../../../platform/index.js';
import { readContenderEnv, stopOnSignal } from './env.js';

const RECEIVER = `
const { parentPort } = require('node:worker_threads');
let exports = 0, bytes = 0;
const server = require('node:http').createServer((req, res) => {
  req.on('data', (chunk) => { bytes += chunk.length; });
  req.on('end', () => { exports += 1; res.writeHead(200, { 'content-type': 'application/json' }); res.end('{}'); });
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', () => parentPort.postMessage({ exports, bytes }));
`;

// As contender (a) and launcher/main.ts (HEAP_GROWTH_PERCENT).
applyHeapGrowth();
const receiver = new Worker(RECEIVER, { eval: true });
const { port: receiverPort } = await new Promise<{ port: number }>((resolve) => receiver.once('message', resolve));

const { port, host, supergraphSdl } = readContenderEnv();
const config = { ...readGatewayConfig(process.env), port, host };
const log = createLogger({ name: 'gateway', level: config.logLevel });
const telemetry = await createTelemetry({
  part: 'gateway',
  config: readTelemetryConfig({ ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiverPort}` }),
});
const gateway = await createGateway({ config, log, supergraphSdl, telemetry });
const url = await gateway.listen();
console.log(`ready: ${url}/graphql (OTLP receiver on port ${receiverPort})`);
stopOnSignal(async () => {
  await gateway.close();
  await telemetry.shutdown();
  receiver.postMessage('count');
  const received = await new Promise<{ exports: number; bytes: number }>((resolve) => receiver.once('message', resolve));
  console.log(`OTLP receiver: ${received.exports} exports, ${received.bytes} bytes`);
  await receiver.terminate();
});
