/**
 * Where the embedded stack's memory goes at start: `node --expose-gc --import tsx bench/soak/breakdown.ts`.
 * Starts the stack as bench/soak/stack.ts does, forcing a full GC before and after each part (each subgraph
 * with its emulator, then the event pipeline + gateway), and prints the growth of RSS, V8 heap used and
 * external memory per step. With SOAK_BREAKDOWN_LOAD_SECONDS it then waits that long (a load generator is
 * expected to run meanwhile) and prints the same figures again.
 */
import { getHeapSpaceStatistics } from 'node:v8';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
type Figures = { rss: number; heapUsed: number; external: number; arrayBuffers: number };
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
function measure(): Figures {
  gc!();
  gc!();
  const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
  return { rss, heapUsed, external, arrayBuffers };
}
let last = measure();
const rows: string[] = [];
function step(name: string): void {
  const now = measure();
  rows.push(
    `| ${name} | ${mb(now.rss - last.rss)} | ${mb(now.heapUsed - last.heapUsed)} | ${mb(now.external - last.external)} | ${mb(now.rss)} | ${mb(now.heapUsed)} | ${mb(now.external)} |`,
  );
  last = now;
}
step('node + tsx');
const { PARTS } = await import('../../launcher/parts.js');
const { startStack } = await import('../../launcher/stack.js');
step('imports (launcher, gateway, subgraphs, emulators)');
for (const name of Object.keys(PARTS) as Array<keyof typeof PARTS>) {
  const start = PARTS[name];
  PARTS[name] = async (...args) => {
    step(`(before ${name})`);
    const started = await start(...args);
    step(`${name} subgraph + emulator`);
    return started;
  };
}
const stack = await startStack({ ports: 'ephemeral' });
step('event pipeline + gateway');
console.log(`ready ${stack.gatewayUrl}`);
const print = (title: string) => {
  console.log(
    `\n${title}\n| step | +RSS MB | +heap used MB | +external MB | RSS MB | heap used MB | external MB |\n|---|---:|---:|---:|---:|---:|---:|`,
  );
  console.log(rows.join('\n'));
  rows.length = 0;
  console.log(
    '\nheap spaces (used / size MB):',
    getHeapSpaceStatistics()
      .map((space) => `${space.space_name} ${mb(space.space_used_size)}/${mb(space.space_size)}`)
      .join(', '),
  );
  console.log('sizes', JSON.stringify(stack.sizes()));
};
print('at start');
const loadSeconds = Number(process.env.SOAK_BREAKDOWN_LOAD_SECONDS ?? 0);
if (loadSeconds > 0) {
  await new Promise((resolve) => setTimeout(resolve, loadSeconds * 1000));
  step('after load');
  print(`after ${loadSeconds} s`);
}
await stack.close();
process.exit(0);
