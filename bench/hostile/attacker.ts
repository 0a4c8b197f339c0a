/**
 * The hostile benchmark's attacker, in its own process (forked by bench/hostile/run.ts with the gateway URL as
 * argument): `--connections` loops send HOSTILE round robin as fast as the answers come until the parent sends
 * `stop`, then it replies with the answers counted by status and code, and exits.
 */
import { parseArgs } from 'node:util';
import { HOSTILE } from './matrix.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { connections: { type: 'string', default: '2' } },
});
const url = `${positionals[0]}/graphql`;
let running = true;
const statuses: Record<string, number> = {};

async function loop(offset: number): Promise<void> {
  for (let i = offset; running; i++) {
    const input = HOSTILE[i % HOSTILE.length]!;
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
      const key = `${response.status} ${code}`;
      statuses[key] = (statuses[key] ?? 0) + 1;
    } catch (error) {
      const key = `network ${(error as Error).message}`;
      statuses[key] = (statuses[key] ?? 0) + 1;
    }
  }
}

const loops = Array.from({ length: Number(values.connections) }, (_, i) => loop(i * 3));
process.on('message', (message) => {
  if (message !== 'stop') return;
  running = false;
  void Promise.all(loops).then(() => {
    process.send?.({ statuses });
    process.exit(0);
  });
});
process.send?.({ ready: true });
