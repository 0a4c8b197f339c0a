/**
 * The hostile benchmark's stack, in its own process (forked by bench/hostile/run.ts with the environment to run
 * under): the load generator and the attacker run in other processes, so the stack's event loop does only the
 * stack's work. Over IPC it sends `{ url }` once listening, answers `usage` with its CPU time, resident set and live heap, and closes
 * on `close`. Run the parent with `--profile` to have this process write a V8 CPU profile (node --cpu-prof).
 */
import { startStack } from '../../launcher/stack.js';
import { applyHeapGrowth, createLogger, type Env } from '../../platform/index.js';

// As `npm start` does (launcher/main.ts): the heap kept near what is alive, so RSS measures the stack, not V8's slack.
applyHeapGrowth();

type Message = 'usage' | 'close';

const send = (message: unknown) => process.send?.(message);
const env = JSON.parse(process.env.BENCH_STACK_ENV ?? '{}') as Env;
const stack = await startStack({ env, ports: 'ephemeral', log: createLogger({ name: 'bench', level: 'silent' }) });
process.on('message', (message: Message) => {
  if (message === 'usage') {
    // CPU time first (the GC below would add to it), then the resident set after a full collection.
    const cpu = process.cpuUsage();
    global.gc?.();
    const { rss, heapUsed } = process.memoryUsage();
    send({ cpuMicros: cpu.user + cpu.system, rss, heapUsed });
  } else if (message === 'close') {
    // A normal exit, so --cpu-prof writes its profile.
    void stack.close().finally(() => process.exit(0));
  }
});
send({ url: stack.gatewayUrl });
