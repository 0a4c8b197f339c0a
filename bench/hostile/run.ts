/**
 * `npm run bench:hostile [-- --seconds 5 --connections 10 --cold-seconds 20 --cold-connections 2 --rounds 3
 * --attack-connections 2 --profile]` →
 * bench/reports/hostile.md: the economy benchmark's operations (a frontend client with an API key) measured
 * alone and again while a second, anonymous client sends a matrix of hostile inputs in a loop, side by side in
 * one run, for the stack as deployed (caches on) and cold (caches off). Three processes: the stack
 * (bench/hostile/stack.ts), the load generator (this one, autocannon) and the attacker (bench/hostile/attacker.ts),
 * so neither client's own work is counted against the stack. `--profile` writes the stack's V8 CPU profiles
 * (node --cpu-prof) to bench/reports/profiles/.
 */
import autocannon from 'autocannon';
import { fork, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Env } from '../../platform/index.js';
import { loadEconomyOperations, writeFrontendRegistry } from '../economy/operations.js';

const { values: flags } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '10' },
    // A cold operation takes a second or more (every vendor call made): few connections, long segments, so
    // each segment completes enough of them to count.
    'cold-seconds': { type: 'string', default: '20' },
    'cold-connections': { type: 'string', default: '2' },
    'attack-connections': { type: 'string', default: '2' },
    profile: { type: 'boolean', default: false },
    modes: { type: 'string', default: 'cached,cold' },
    // Even, so that as many rounds start alone as start attacked.
    rounds: { type: 'string', default: '4' },
  },
});
const SEGMENTS = {
  cached: { seconds: Number(flags.seconds), connections: Number(flags.connections) },
  cold: { seconds: Number(flags['cold-seconds']), connections: Number(flags['cold-connections']) },
};
const attackConnections = Number(flags['attack-connections']);
const rounds = Number(flags.rounds);
const PROFILES = fileURLToPath(new URL('../reports/profiles/', import.meta.url));

const API_KEY = 'bench-hostile-frontend-0123456789';
const registry = writeFrontendRegistry('frontend', API_KEY);
const operations = loadEconomyOperations().map(({ name, query, variables }) => ({ name, body: JSON.stringify({ query, variables }) }));
// A real issuer's key, so the attacker's forged tokens cost the gateway a real signature check.
const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

const BASE: Env = {
  NODE_ENV: 'production',
  LOG_LEVEL: 'silent',
  EVENTS: 'false',
  CLIENT_REGISTRY: registry,
  JWT_PUBLIC_KEY: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  JWT_ISSUER: 'https://idp.bench.invalid/',
  // The frontend carries no user token here: authorization is the test suite's subject, not this benchmark's.
  AUTHORIZATION: 'off',
  COST_BUDGET_PER_MINUTE: '1000000000',
  COST_BUDGET_ANONYMOUS_PER_MINUTE: '20000',
  ANONYMOUS_RATE_LIMIT_PER_MINUTE: '0',
  EMULATOR_RATE_LIMITS: 'false',
  MIXPANEL_MAX_WINDOW_DAYS: '36500',
};
const MODES = { cached: BASE, cold: { ...BASE, ENTITY_CACHE: 'false', RESPONSE_CACHE: 'false', GATEWAY_DEDUPE: 'false' } } satisfies Record<
  string,
  Env
>;

/** Forks a TypeScript module (through tsx) and waits for its first message carrying `field`. */
function start<T>(module: string, args: string[], env: Env, execArgv: string[] = []): Promise<{ child: ChildProcess; first: T }> {
  const child = fork(fileURLToPath(new URL(module, import.meta.url)), args, {
    // The stack reads its configuration from BENCH_STACK_ENV only, as the benchmark sets it, not the machine's.
    env: { ...process.env, BENCH_STACK_ENV: JSON.stringify(env) },
    execArgv: ['--import', 'tsx', ...execArgv],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (first) => resolve({ child, first: first as T }));
    child.once('exit', (code) => reject(new Error(`${module} exited with ${code} before it was ready`)));
  });
}

/** Sends `message` and waits for the child's answer. */
function ask<T>(child: ChildProcess, message: string): Promise<T> {
  return new Promise((resolve) => {
    child.once('message', (answer) => resolve(answer as T));
    child.send(message);
  });
}

async function load(url: string, body: string, { seconds, connections }: { seconds: number; connections: number }) {
  const result = await autocannon({
    url: `${url}/graphql`,
    method: 'POST',
    connections,
    duration: seconds,
    headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
    body,
  });
  let fivexx = 0;
  for (const [code, count] of Object.entries(result.statusCodeStats ?? {}))
    if (Number(code) >= 500) fivexx += (count as { count: number }).count;
  return {
    requests: result.requests.total,
    seconds: result.duration,
    p99: result.latency.p99,
    non2xx: result.non2xx + result.errors,
    fivexx,
  };
}

/**
 * In cached mode: makes sure the cached answer will outlive the next alone + attacked pair, waiting for it to
 * expire and be computed again if not. A refill (seconds of vendor calls with every connection waiting as a
 * follower) inside one segment and not the other would swamp what is measured; the refill's cost is the cold
 * mode's subject.
 */
async function freshen(url: string, body: string, pairSeconds: number): Promise<void> {
  const ask = () =>
    fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': API_KEY }, body }).then(
      async (response) => {
        await response.arrayBuffer();
        const maxAge = /max-age=(\d+)/.exec(response.headers.get('cache-control') ?? '')?.[1];
        return { age: Number(response.headers.get('age') ?? 0), maxAge: maxAge === undefined ? undefined : Number(maxAge) };
      },
    );
  const { age, maxAge } = await ask();
  if (maxAge === undefined || age + pairSeconds + 5 < maxAge) return;
  await new Promise((resolve) => setTimeout(resolve, (maxAge - age + 1) * 1000));
  await ask();
}

type Usage = { cpuMicros: number; rss: number; heapUsed: number };
type Tally = { requests: number; seconds: number; cpuMicros: number; p99: number[]; fivexx: number; non2xx: number };
const tally = (): Tally => ({ requests: 0, seconds: 0, cpuMicros: 0, p99: [], fivexx: 0, non2xx: 0 });
function add(into: Tally, from: Tally): void {
  into.requests += from.requests;
  into.seconds += from.seconds;
  into.cpuMicros += from.cpuMicros;
  into.p99.push(...from.p99);
  into.fivexx += from.fivexx;
  into.non2xx += from.non2xx;
}

/** One measured segment: the load and the stack's CPU time it took. */
async function segment(stack: ChildProcess, url: string, body: string, shape: (typeof SEGMENTS)['cached'], into: Tally) {
  const before = await ask<Usage>(stack, 'usage');
  const result = await load(url, body, shape);
  const after = await ask<Usage>(stack, 'usage');
  into.requests += result.requests;
  into.seconds += result.seconds;
  into.cpuMicros += after.cpuMicros - before.cpuMicros;
  into.p99.push(result.p99);
  into.fivexx += result.fivexx;
  into.non2xx += result.non2xx;
  return after;
}

const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return sorted.length === 0 ? 0 : sorted.length % 2 ? sorted[Math.floor(middle)]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
const rows: string[] = [];
const attackerSeen: Record<string, number> = {};
const warmupSeen: Record<string, number> = {};
const ATTACK_WARMUP_MS = 10_000;
let attackerRequests = 0;
let attackedSeconds = 0;
const load0 = loadavg()[0]!.toFixed(1);
if (flags.profile) mkdirSync(PROFILES, { recursive: true });
for (const [mode, env] of Object.entries(MODES).filter(([mode]) => flags.modes.split(',').includes(mode))) {
  const shape = SEGMENTS[mode as keyof typeof SEGMENTS];
  // One file per thread (tsx's loader runs in a worker): the largest in each mode's folder is the stack's.
  const profile = flags.profile ? ['--cpu-prof', `--cpu-prof-dir=${PROFILES}${mode}`] : [];
  const { child: stack, first } = await start<{ url: string }>('./stack.ts', [], env, ['--expose-gc', ...profile]);
  const { url } = first;
  const { child: attacker } = await start('./attacker.ts', [url, '--connections', String(attackConnections)], {});
  try {
    const usageStart = await ask<Usage>(stack, 'usage');
    let usageEnd = usageStart;
    // The attacker's first minute (its refusals before the box, its heavy queries compiled for the first time)
    // before anything is measured, as the normal traffic's warm-up: what is measured is the attack going on.
    await ask(attacker, 'start');
    await new Promise((resolve) => setTimeout(resolve, ATTACK_WARMUP_MS));
    const warmup = await ask<{ statuses: Record<string, number> }>(attacker, 'stop');
    for (const [key, count] of Object.entries(warmup.statuses)) warmupSeen[key] = (warmupSeen[key] ?? 0) + count;
    for (const operation of operations) {
      await load(url, operation.body, { ...shape, seconds: Math.min(shape.seconds, 5) }); // warm-up round, not reported
      const alone = tally();
      const attacked = tally();
      let hostile = 0;
      let attackerMicros = 0;
      const ratios: number[] = [];
      const cpuRatios: number[] = [];
      // Alone and attacked interleaved, in turns (alone first, then attacked first), so the machine's other load
      // and any drift weigh on both alike; each round's own ratio too, as the other load comes in bursts.
      for (let round = 0; round < rounds; round++) {
        if (mode === 'cached') await freshen(url, operation.body, 2 * shape.seconds);
        const pair = { alone: tally(), attacked: tally() };
        for (const underAttack of round % 2 === 0 ? [false, true] : [true, false]) {
          if (!underAttack) {
            await segment(stack, url, operation.body, shape, pair.alone);
            continue;
          }
          await ask(attacker, 'start');
          usageEnd = await segment(stack, url, operation.body, shape, pair.attacked);
          const { statuses, cpuMicros } = await ask<{ statuses: Record<string, number>; cpuMicros: number }>(attacker, 'stop');
          attackerMicros += cpuMicros;
          for (const [key, count] of Object.entries(statuses)) {
            attackerSeen[key] = (attackerSeen[key] ?? 0) + count;
            hostile += count;
          }
        }
        if (pair.alone.requests > 0) {
          ratios.push(pair.attacked.requests / pair.attacked.seconds / (pair.alone.requests / pair.alone.seconds));
          if (pair.attacked.cpuMicros > 0)
            cpuRatios.push(pair.attacked.requests / pair.attacked.cpuMicros / (pair.alone.requests / pair.alone.cpuMicros));
        }
        add(alone, pair.alone);
        add(attacked, pair.attacked);
      }
      attackerRequests += hostile;
      attackedSeconds += attacked.seconds;
      const aloneRps = alone.requests / alone.seconds;
      const attackedRps = attacked.requests / attacked.seconds;
      const percent = (value: number) => `${(value * 100).toFixed(0)}%`;
      // The median of the rounds' ratios, then the ratio of the totals (pooled).
      const ratio = aloneRps > 0 ? `${percent(median(ratios))} (${percent(attackedRps / aloneRps)})` : 'n/a';
      // Normal requests per second of the stack's CPU, attacked over alone: the share of the stack's work that
      // still goes to normal traffic, whatever CPU the machine's other processes left it.
      const cpuRatio =
        alone.requests > 0 && attacked.cpuMicros > 0
          ? `${percent(median(cpuRatios))} (${percent(attacked.requests / attacked.cpuMicros / (alone.requests / alone.cpuMicros))})`
          : 'n/a';
      // The stack's CPU per normal request alone, and what is left of its CPU under attack once the normal
      // requests are paid for that way: what the attacker's requests cost it, each.
      const perRequest = alone.requests > 0 ? alone.cpuMicros / alone.requests : 0;
      const perHostile = hostile > 0 ? Math.max(0, attacked.cpuMicros - attacked.requests * perRequest) / hostile : 0;
      rows.push(
        `| ${mode} | ${operation.name} | ${alone.requests} / ${attacked.requests} | ${aloneRps.toFixed(aloneRps < 10 ? 1 : 0)} | ${attackedRps.toFixed(attackedRps < 10 ? 1 : 0)} | ${ratio} | ${cpuRatio} | ${median(alone.p99)} / ${median(attacked.p99)} | ${(perRequest / 1000).toFixed(2)} | ${(hostile / attacked.seconds).toFixed(0)} | ${(perHostile / 1000).toFixed(2)} | ${(attackerMicros / 1e6 / attacked.seconds).toFixed(2)} | ${alone.fivexx + attacked.fivexx} | ${alone.non2xx + attacked.non2xx} | ${mb(usageStart.rss)} → ${mb(usageEnd.rss)} (${mb(usageStart.heapUsed)} → ${mb(usageEnd.heapUsed)}) |`,
      );
      console.log(rows.at(-1));
    }
  } finally {
    attacker.send('exit');
    stack.send('close');
    await new Promise((resolve) => stack.once('exit', resolve));
  }
}

const load1 = loadavg()[0]!.toFixed(1);
const { cached, cold } = SEGMENTS;
const lines = [
  '# Hostile traffic beside normal traffic',
  '',
  `Generated by \`npm run bench:hostile -- --seconds ${cached.seconds} --connections ${cached.connections} --cold-seconds ${cold.seconds} --cold-connections ${cold.connections} --rounds ${rounds} --attack-connections ${attackConnections}\` on ${new Date().toISOString().slice(0, 10)} (Node ${process.version}, ${cpus().length} cores, load average ${load0} at the start and ${load1} at the end).`,
  '',
  "Normal traffic: the economy benchmark's operations from a frontend API client (`autocannon`), measured alone and " +
    `while an anonymous attacker sends the hostile matrix (bench/hostile/matrix.ts) in ${attackConnections} loops, each as ` +
    `fast as the answers come: ${rounds} rounds per operation of one segment alone and one attacked, in turns (alone ` +
    "first, then attacked first), so that the machine's other load and any drift weigh on both alike. `cached`: the " +
    `stack as deployed, segments of ${cached.seconds} s at ${cached.connections} connections; each round runs within one ` +
    'lifetime of the cached answer (max-age 30 s), so neither segment pays a refill the other does not. `cold`: entity ' +
    'cache, response cache and deduplication off, so every request reaches the vendor emulators; an operation then ' +
    `takes a second or more, so segments of ${cold.seconds} s at ${cold.connections} connections (\`requests\` says how ` +
    'many each side completed).',
  '',
  'Three processes: the stack (gateway, subgraphs and emulators, as `npm start` runs them: what the emulators do for a ' +
    "vendor-backed query is counted as the stack's CPU), the load generator, the attacker (one for the whole mode, so the " +
    `penalty box remembers it). The attacker's first ${ATTACK_WARMUP_MS / 1000} s in each mode are not measured (its ` +
    'first refusals and heavy queries, each code path compiled for the first time), as the normal traffic has a warm-up ' +
    'segment per operation; every later return of the attacker from the box (after each penalty) is measured.',
  '',
  "- `ratio`: normal requests per second attacked over alone, wall clock: the median of the rounds' ratios, and in parentheses the ratio of the totals. On a 2-core machine this also pays for the attacker process's own CPU (`attacker cores`) and the load generator's.",
  "- `ratio per stack CPU`: normal requests per second of the stack process's CPU time, attacked over alone (median of the rounds, totals in parentheses): the share of the stack's work that still serves normal traffic, whatever CPU the machine's other processes leave it.",
  "- `stack CPU ms/req`: the stack's CPU time per normal request alone. `CPU ms/hostile`: the stack's CPU under attack beyond what the normal requests cost at that rate, per attacker request.",
  "- RSS (and the live heap): the stack process's, after a full GC, when the mode started and after the operation's last attacked round. p99: the median of the rounds'.",
  '',
  '| mode | operation | requests alone / attacked | req/s alone | req/s attacked | ratio | ratio per stack CPU | p99 ms alone / attacked | stack CPU ms/req | hostile req/s | CPU ms/hostile | attacker cores | 5xx | non-2xx | RSS MB (live heap) |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ...rows,
  '',
  `The attacker's answers over the whole run (status and code), ${attackerRequests} requests (${(attackerRequests / attackedSeconds).toFixed(0)} a second on average): ` +
    'the first refusals come from the limits, credentials and the body size; once the attacker has been refused ' +
    '`REFUSAL_LIMIT` times in a window (30 in 60 s) it is answered `TOO_MANY_REFUSALS` for `REFUSAL_PENALTY_SECONDS` (60 s) ' +
    'by the HTTP server itself, before express routes the request or its body is read. Its heavy valid queries run until ' +
    'its anonymous cost budget (20000 a minute) is spent, then get `COST_BUDGET_EXCEEDED`; the ' +
    "frontend's vendor-backed operations keep answering.",
  '',
  '| answer | count | in the unmeasured warm-ups |',
  '|---|---|---|',
  ...[...new Set([...Object.keys(attackerSeen), ...Object.keys(warmupSeen)])]
    .sort()
    .map((key) => `| ${key} | ${attackerSeen[key] ?? 0} | ${warmupSeen[key] ?? 0} |`),
  '',
];
writeFileSync(new URL('../reports/hostile.md', import.meta.url), lines.join('\n'));
console.log('Wrote bench/reports/hostile.md');
