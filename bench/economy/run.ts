/**
 * `npm run bench:economy`: what realistic operations cost in vendor requests — cold, warm, and with batching
 * and caching switched off (counted in the emulators' request logs, not estimated) — and their throughput
 * cold (no cache, every request reaches the vendors) against warm (served from the response cache), measured
 * side by side in one run. Writes bench/reports/economy.md.
 *
 *   npm run bench:economy [-- --seconds 5 --connections 10 --rounds 2]
 */
import autocannon from 'autocannon';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { startStack, type Stack } from '../../launcher/stack.js';
import { createLogger, type Env } from '../../platform/index.js';
import { FLOORS, describeWaves, toWaves, type VendorCall } from './critical-path.js';
import { loadEconomyOperations, writeFrontendRegistry } from './operations.js';

const { values: flags } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '2' },
    'vendor-latency': { type: 'string', default: '100' },
  },
});
const seconds = Number(flags.seconds);
const connections = Number(flags.connections);
const rounds = Number(flags.rounds);
const vendorLatencyMs = Number(flags['vendor-latency']);

const API_KEY = 'bench-economy-key-0123456789';
const registry = writeFrontendRegistry('bench', API_KEY);
const operations = loadEconomyOperations();

// Every mode lifts the emulators' own quotas: this measures Interchange, not the vendors' throttling.
// Authorization and cost budgets off: the benchmark measures vendor calls saved, not who may see what.
const BASE: Env = {
  NODE_ENV: 'production',
  LOG_LEVEL: 'silent',
  CLIENT_REGISTRY: registry,
  AUTHORIZATION: 'off',
  COST_BUDGET_PER_MINUTE: '1000000000',
  EMULATOR_RATE_LIMITS: 'false',
  MIXPANEL_MAX_WINDOW_DAYS: '36500',
};
/**
 * The naive mode counts calls, it does not time them: one BillingReport makes 125 vendor calls in one request
 * (90 to Stripe, paced by our own Stripe quota of 25 a second; 34 ERP calls through its 4-wide bulkhead), and
 * took up to 9 s on a 2-core machine at load 11. Slower still, it reaches its 25 s deadline: the attempts still
 * running are cut by it, each counts as a timeout for the breaker, five in a row open Stripe's circuit and the
 * answer carries CIRCUIT_OPEN, which stops the benchmark. So this mode lifts what only shapes the timing: our
 * own pacing, the breakers, the bulkheads' width and the deadlines. The calls counted are the same.
 */
const UNPACED: Env = {
  STRIPE_QUOTA_PER_SECOND: '0',
  REQUEST_DEADLINE_MS: '110000',
  SUBGRAPH_TIMEOUT_MS: '120000',
  ...Object.fromEntries(
    ['HUBSPOT', 'STRIPE', 'MIXPANEL', 'ERP'].flatMap((vendor) => [
      [`${vendor}_BREAKER_THRESHOLD`, '1000000'],
      [`${vendor}_BULKHEAD_LIMIT`, '200'],
      [`${vendor}_BULKHEAD_QUEUE`, '1000'],
      [`${vendor}_TIMEOUT_MS`, '100000'],
    ]),
  ),
};
const MODES = {
  /** Everything on, as deployed. */
  normal: BASE,
  /** Batching and every cache and deduplication off: one vendor call per entity and field. */
  naive: {
    ...BASE,
    ...UNPACED,
    DATALOADER_BATCHING: 'false',
    ENTITY_CACHE: 'false',
    RESPONSE_CACHE: 'false',
    GATEWAY_DEDUPE: 'false',
  },
  /** Batching on, caches and deduplication off: every request reaches the vendors. */
  cold: { ...BASE, ENTITY_CACHE: 'false', RESPONSE_CACHE: 'false', GATEWAY_DEDUPE: 'false' },
} satisfies Record<string, Env>;

const VENDORS = ['hubspot', 'stripe', 'mixpanel', 'erp-soap'] as const;
type Counts = Record<(typeof VENDORS)[number], number>;

const log = createLogger({ name: 'bench', level: 'silent' });
/** The machine's 1-minute load when the run began: timings from a shared, busy machine are read with it. */
const loadAtStart = loadavg()[0]!;

async function withStack<T>(mode: Env, run: (stack: Stack) => Promise<T>): Promise<T> {
  // Without the event pipeline: its catch-up reads would count as vendor calls of the queries measured.
  const stack = await startStack({ env: { EVENTS: 'false', ...mode }, ports: 'ephemeral', log });
  try {
    return await run(stack);
  } finally {
    await stack.close();
  }
}

function vendorCounts(stack: Stack): Counts {
  const emulators = stack.emulators as Record<
    string,
    { requests: { count(filter?: { method?: string }): number; clear(): void } } | undefined
  >;
  return Object.fromEntries(
    VENDORS.map((vendor) => [vendor, emulators[vendor]?.requests.count(vendor === 'erp-soap' ? { method: 'POST' } : undefined) ?? 0]),
  ) as Counts;
}

function clearCounts(stack: Stack): void {
  for (const emulator of Object.values(stack.emulators)) emulator?.requests.clear();
}

async function send(stack: Stack, operation: (typeof operations)[number]): Promise<void> {
  const response = await fetch(`${stack.gatewayUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
    body: JSON.stringify({ query: operation.query, variables: operation.variables }),
  });
  const body = (await response.json()) as { errors?: Array<{ message: string }> };
  if (!response.ok || body.errors) throw new Error(`${operation.name} failed: ${JSON.stringify(body.errors ?? response.status)}`);
}

/** Vendor requests of one run of the operation, after clearing the logs. */
async function measure(stack: Stack, operation: (typeof operations)[number]): Promise<Counts> {
  clearCounts(stack);
  await send(stack, operation);
  return vendorCounts(stack);
}

const total = (counts: Counts) => VENDORS.reduce((sum, vendor) => sum + counts[vendor], 0);
const describe = (counts: Counts) =>
  `${total(counts)} (${VENDORS.map((vendor) => `${vendor.replace('-soap', '')} ${counts[vendor]}`).join(', ')})`;

async function load(stack: Stack, operation: (typeof operations)[number]) {
  const result = await autocannon({
    url: `${stack.gatewayUrl}/graphql`,
    method: 'POST',
    connections,
    duration: seconds,
    headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
    body: JSON.stringify({ query: operation.query, variables: operation.variables }),
  });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx };
}

const economy: Array<{ name: string; cold: Counts; warm: Counts; naive: Counts }> = [];
for (const operation of operations) {
  // A fresh stack per operation, so "cold" is cold: nothing cached by an earlier operation.
  const [cold, warm] = await withStack(
    MODES.normal,
    async (stack) => [await measure(stack, operation), await measure(stack, operation)] as const,
  );
  const naive = await withStack(MODES.naive, (stack) => measure(stack, operation));
  economy.push({ name: operation.name, cold, warm, naive });
  console.log(`${operation.name}: cold ${describe(cold)}, warm ${describe(warm)}, without batching and caching ${describe(naive)}`);
}

/**
 * The critical path of one cold request: every vendor answers after `vendorLatencyMs` (an injected latency,
 * as a real vendor's round trip), caches and deduplication off. Wall time at the caller ÷ the slowest single
 * vendor call of that request (its duration as the emulator logged it): 1.0 would be "as fast as the slowest
 * vendor"; each vendor round trip waiting for another that is not its data dependency adds about 1.
 */
async function criticalPath(stack: Stack, operation: (typeof operations)[number]) {
  clearCounts(stack);
  const started = Date.now();
  await send(stack, operation);
  const wallMs = Date.now() - started;
  const calls: VendorCall[] = Object.entries(stack.emulators).flatMap(([vendor, emulator]) =>
    emulator ? emulator.requests.list().map((call) => ({ ...call, vendor })) : [],
  );
  const slowestMs = Math.max(...calls.map((call) => call.durationMs));
  const waves = toWaves(calls);
  return { wallMs, slowestMs, ratio: wallMs / slowestMs, calls: calls.length, waves: waves.length, path: describeWaves(waves) };
}

const critical = await withStack(MODES.cold, async (stack) => {
  for (const emulator of Object.values(stack.emulators)) emulator?.faults.set([{ latencyMs: vendorLatencyMs }]);
  const rows = [];
  for (const operation of operations) {
    await criticalPath(stack, operation); // the first request of a process also pays for compilation and connections
    const runs = [await criticalPath(stack, operation), await criticalPath(stack, operation), await criticalPath(stack, operation)];
    const middle = [...runs].sort((x, y) => x.ratio - y.ratio)[1]!;
    rows.push({ name: operation.name, ...middle });
    console.log(
      `${operation.name}: wall ${middle.wallMs} ms, slowest vendor call ${middle.slowestMs} ms, ratio ${middle.ratio.toFixed(2)}, ${middle.waves} sequential waves of vendor calls (${middle.path})`,
    );
  }
  return rows;
});

type Load = Awaited<ReturnType<typeof load>>;
const throughput = new Map<string, { cold: Load[]; warm: Load[] }>(operations.map((operation) => [operation.name, { cold: [], warm: [] }]));
for (let round = 1; round <= rounds; round++) {
  for (const [mode, env] of [
    ['cold', MODES.cold],
    ['warm', MODES.normal],
  ] as const) {
    await withStack(env, async (stack) => {
      for (const operation of operations) {
        if (mode === 'warm') await send(stack, operation);
        const result = await load(stack, operation);
        throughput.get(operation.name)![mode].push(result);
        console.log(
          `round ${round} ${mode} ${operation.name}: ${result.rps.toFixed(1)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, errors ${result.errors}`,
        );
      }
    });
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const lines = [
  '# Vendor economy',
  '',
  `Generated by \`npm run bench:economy\` on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; load average ${loadAtStart.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end.`,
  'Operations: `bench/economy/operations/*.graphql`, sent through the gateway of the embedded stack (emulators, every subgraph)',
  "by a registered frontend client. Counts are read from the emulators' request logs.",
  '',
  '## Vendor requests per operation',
  '',
  '- **cold**: a fresh stack, nothing cached; batching on.',
  '- **warm**: the same operation again on that stack (response cache, entity cache).',
  '- **naive**: batching, entity cache, response cache and deduplication all off (DATALOADER_BATCHING, ENTITY_CACHE,',
  '  RESPONSE_CACHE, GATEWAY_DEDUPE = false): what the operation costs without this layer.',
  '',
  '| operation | cold | warm | naive | naive ÷ cold |',
  '|---|---|---|---|---|',
  ...economy.map(
    (row) =>
      `| ${row.name} | ${describe(row.cold)} | ${describe(row.warm)} | ${describe(row.naive)} | ${(total(row.naive) / Math.max(1, total(row.cold))).toFixed(1)}× |`,
  ),
  '',
  '## Critical path of a cold request',
  '',
  `Caches and deduplication off, every vendor call delayed by ${vendorLatencyMs} ms in the emulators (a vendor\'s round trip); the median of`,
  'three requests per operation after one unmeasured. Wall time at the caller ÷ the slowest single vendor call in the same request',
  '(goal ≤ 1.3). Waves: the serial steps of vendor calls (a call is one wave after the latest call that had ended before it started).',
  'Floor: the fewest waves the data dependencies allow (the longest chain of calls where each needs an id only the one before returns),',
  "with the vendors' APIs as they are; with every call as slow as the slowest, wall ÷ slowest cannot go below it. Plan floor: the fewest",
  'waves a federated plan allows, where an entity fetch waits for the whole fetch it depends on. The whole stack runs in one process here,',
  "so the emulators' own CPU time is on the path too.",
  '',
  '| operation | wall ms | slowest vendor call ms | wall ÷ slowest | vendor calls | sequential waves | floor | plan floor | goal ≤ 1.3 |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---|',
  ...critical.map(
    (row) =>
      `| ${row.name} | ${row.wallMs} | ${row.slowestMs} | ${row.ratio.toFixed(2)} | ${row.calls} | ${row.waves} | ${FLOORS[row.name]?.floor ?? '?'} | ${FLOORS[row.name]?.plan ?? '?'} | ${row.ratio <= 1.3 ? 'met' : 'not met'} |`,
  ),
  '',
  'The waves as measured, and the chain that is left:',
  '',
  ...critical.flatMap((row) => {
    const floor = FLOORS[row.name];
    return [`- **${row.name}**: ${row.path}.`, ...(floor ? [`  Floor ${floor.floor}: ${floor.chain}. Left above it: ${floor.left}`] : [])];
  }),
  '',
  '## Throughput, cold against warm',
  '',
  `autocannon, ${connections} connections, ${seconds} s per operation and mode, ${rounds} alternating round(s) (cold, warm, cold, ...), medians.`,
  'Cold: caches and deduplication off, so every request reaches the emulators. Warm: everything on, after one request.',
  "The emulators' own rate limits are lifted (EMULATOR_RATE_LIMITS=false) so that they measure Interchange.",
  '',
  '| operation | cold req/s | cold p50 / p99 ms | warm req/s | warm p50 / p99 ms | warm ÷ cold | errors |',
  '|---|---|---|---|---|---|---|',
  ...[...throughput].map(([name, { cold, warm }]) => {
    const c = { rps: median(cold.map((r) => r.rps)), p50: median(cold.map((r) => r.p50)), p99: median(cold.map((r) => r.p99)) };
    const w = { rps: median(warm.map((r) => r.rps)), p50: median(warm.map((r) => r.p50)), p99: median(warm.map((r) => r.p99)) };
    const errors = [...cold, ...warm].reduce((sum, r) => sum + r.errors, 0);
    // A cold run that completed no request in its seconds has no rate to divide by.
    const ratio = c.rps > 0 ? `${(w.rps / c.rps).toFixed(1)}×` : '—';
    return `| ${name} | ${c.rps.toFixed(1)} | ${c.p50} / ${c.p99} | ${w.rps.toFixed(1)} | ${w.p50} / ${w.p99} | ${ratio} | ${errors} |`;
  }),
  '',
  'Reproduce: `npm run bench:economy` (options: `-- --seconds 5 --connections 10 --rounds 2 --vendor-latency 100`).',
  '',
];
writeFileSync(new URL('../reports/economy.md', import.meta.url), lines.join('\n'));
console.log('Wrote bench/reports/economy.md');
