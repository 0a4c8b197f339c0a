/**
 * The process the soak measures: the embedded stack (emulators, every subgraph, the gateway) exactly as
 * `npm start` runs it, on free ports, configured by the environment the runner passes. Prints one line
 * `ready <gateway url>` when it answers, then every SOAK_MEMORY_SECONDS a line `memory <json>` with the
 * process's own view of its memory (V8 heap, external and array buffers: what RSS is made of, which /proc
 * cannot tell), and stops on SIGTERM.
 */
import { startStack } from '../../launcher/stack.js';
import { applyHeapGrowth } from '../../platform/index.js';
import { stopOnSignal } from '../federation/contenders/env.js';

// As launcher/main.ts does for `npm start`.
applyHeapGrowth();
const stack = await startStack({ ports: 'ephemeral' });
console.log(`ready ${stack.gatewayUrl}`);
const every = Number(process.env.SOAK_MEMORY_SECONDS ?? 0);
if (every > 0) {
  setInterval(() => {
    const { rss, heapTotal, heapUsed, external, arrayBuffers } = process.memoryUsage();
    console.log(`memory ${JSON.stringify({ at: Date.now(), rss, heapTotal, heapUsed, external, arrayBuffers, sizes: stack.sizes() })}`);
  }, every * 1000).unref();
}
stopOnSignal(stack.close);
