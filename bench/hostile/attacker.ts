/**
 * The hostile benchmark's attacker, in its own process (forked by bench/hostile/run.ts with the gateway URL as
 * argument): on `start`, `--connections` loops send HOSTILE round robin as fast as the answers come; on `stop`
 * they finish their request and it replies with the answers since `start`, counted by status and code, and the
 * CPU time it used. One attacker lives through a whole mode, as a real one would: the penalty box remembers it
 * between rounds.
 */
import { parseArgs } from 'node:util';
import { HOSTILE } from './matrix.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { connections: { type: 'string', default: '2' } },
});
const url = `${positionals[0]}/graphql`;
let running = false;
let statuses: Record<string, number> = {};
let next = 0;
let cpuAtStart = process.cpuUsage();

async function loop(): Promise<void> {
  while (running) {
    const input = HOSTILE[next++ % HOSTILE.length]!;
    let key: string;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...input.headers },
        body: input.body,
      });
      const text = await response.text();
      let code = 'ok';
      try {
        code = (JSON.parse(text) as { errors?: Array<{ extensions?: { code?: string } }> }).errors?.[0]?.extensions?.code ?? 'ok';
      } catch {
        code = 'not JSON';
      }
      key = `${response.status} ${code}`;
    } catch (error) {
      key = `network ${(error as Error).message}`;
    }
    statuses[key] = (statuses[key] ?? 0) + 1;
  }
}

let loops: Array<Promise<void>> = [];
process.on('message', (message) => {
  if (message === 'start') {
    running = true;
    statuses = {};
    cpuAtStart = process.cpuUsage();
    loops = Array.from({ length: Number(values.connections) }, () => loop());
    process.send?.({ started: true });
  } else if (message === 'stop') {
    running = false;
    // With the attacker's own CPU time: on a shared machine, what it takes from the others.
    void Promise.all(loops).then(() => {
      const { user, system } = process.cpuUsage(cpuAtStart);
      process.send?.({ statuses, cpuMicros: user + system });
    });
  } else if (message === 'exit') {
    process.exit(0);
  }
});
process.send?.({ ready: true });
