/**
 * `npm run bench:chaos`: the chaos matrix (every vendor x every fault, bench/chaos/matrix.ts) against the
 * embedded stack, measured: per cell, the latency of the whole GraphQL response (p50/p99), the errors the
 * faulted vendor's fields carried, and the requests the vendor's emulator received. Writes
 * bench/reports/chaos.md. The chaos tests (test/e2e/chaos-*.test.ts) assert the same matrix; this measures it.
 *
 *   npm run bench:chaos [-- --queries 6]
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { startStack } from '../../launcher/stack.js';
import { createLogger } from '../../platform/index.js';
import {
  BREAKER_THRESHOLD,
  CHAOS_ENV,
  DEADLINE_MS,
  FAULTS,
  HALF_OPEN_MS,
  VENDORS,
  chaosVariables,
  codeSummary,
  openSockets,
  percentile,
  recover,
  runCell,
  runQuery,
  type CellResult,
} from './matrix.js';

const { values: flags } = parseArgs({ options: { queries: { type: 'string', default: '6' } } });
const queries = Number(flags.queries);
if (!Number.isInteger(queries) || queries < 1) throw new Error('--queries must be a positive whole number');

const stack = await startStack({
  env: { ...process.env, ...CHAOS_ENV },
  ports: 'ephemeral',
  log: createLogger({ name: 'bench', level: 'silent' }),
});
const variables = chaosVariables();
const rows: Array<CellResult & { recoveredAfter: number }> = [];
let baselineMs: number[] = [];
let socketsBefore = 0;
let socketsAfter = 0;
try {
  await runQuery(stack, variables);
  baselineMs = [];
  for (let i = 0; i < queries; i++) baselineMs.push((await runQuery(stack, variables)).ms);
  socketsBefore = openSockets();
  for (const vendor of VENDORS) {
    for (const fault of FAULTS) {
      const cell = await runCell(stack, vendor, fault, variables, queries);
      rows.push({ ...cell, recoveredAfter: await recover(stack, vendor, variables) });
      process.stdout.write(`${vendor.emulator} / ${fault.name}: ${codeSummary(cell.results)}\n`);
    }
  }
  socketsAfter = openSockets();
} finally {
  await stack.close();
}

const ms = (value: number): string => `${Math.round(value)}`;
const table = rows.map(({ vendor, fault, results, vendorCalls, recoveredAfter }) => {
  const latencies = results.map((result) => result.ms);
  return `| ${fault.name} | ${vendor.emulator} | ${ms(percentile(latencies, 0.5))} | ${ms(percentile(latencies, 0.99))} | ${codeSummary(results)} | ${vendorCalls} | ${recoveredAfter} |`;
});

const report = `# Chaos matrix

Written by \`npm run bench:chaos\` (bench/chaos/run.ts) on ${new Date().toISOString().slice(0, 10)}, ${cpus().length} CPUs, Node ${process.version}.
The vitest chaos tests (test/e2e/chaos-*.test.ts) assert the same matrix; this run measures it.

**Setup.** The embedded stack, every vendor over its emulator, with \`REQUEST_DEADLINE_MS=${DEADLINE_MS}\`, per-attempt
timeouts of 500 ms (\`<VENDOR>_TIMEOUT_MS\`), up to 3 attempts, a breaker that opens after ${BREAKER_THRESHOLD} consecutive failed
attempts and probes after ${HALF_OPEN_MS} ms (\`<VENDOR>_BREAKER_HALF_OPEN_MS\`), and response cache, entity cache and gateway
deduplication off so every query reaches the vendors. One query asks for two customers (HubSpot), their billing
(Stripe), orders (ERP) and activity (Mixpanel), and a product (ERP). For each cell the fault is injected into
one vendor's emulator, the query is sent ${queries} times one after another, then the fault is lifted and the
stack is queried until the answer is whole again.

- **p50 / p99 ms**: the whole GraphQL response at the gateway (without faults: p50 ${ms(percentile(baselineMs, 0.5))} ms, p99 ${ms(percentile(baselineMs, 0.99))} ms).
- **errors**: the codes on the faulted vendor's fields over the ${queries} responses (every error names the vendor in
  \`extensions.upstream\`; the other vendors' data was whole in every response, which the tests assert).
- **vendor calls**: requests the vendor's emulator received during the cell (attempts, retries included).
- **recovered after**: queries it took, once the fault was lifted, to get a whole answer (a probe passes after the
  half-open delay and closes the circuit).

| fault | vendor | p50 ms | p99 ms | errors | vendor calls | recovered after |
|---|---|---|---|---|---|---|
${table.join('\n')}

Open TCP sockets in the process (both ends of every connection, keep-alive pools included): ${socketsBefore} before
the matrix, ${socketsAfter} after it. Attempts the policy gives up on abort their request and close its socket.

Reading it:
- 5xx, resets and malformed bodies: the first response spends up to three attempts (backoff in between); by the
  ${BREAKER_THRESHOLD}th failed attempt the circuit is open and later responses carry CIRCUIT_OPEN at once, with no vendor call.
- The ERP makes two calls per response (orders, product), up to six attempts: its circuit opens within the first
  response, and both calls' pending retries end with CIRCUIT_OPEN.
- 429 without Retry-After: HubSpot's ten-second window and Retry-After 5 s reach past the deadline, so the caller
  gets UPSTREAM_RATE_LIMITED with \`retryAfter\` at once; Stripe, Mixpanel and the ERP wait one second, try once more,
  then answer UPSTREAM_RATE_LIMITED. A 429 never counts toward the breaker.
- Latency past the deadline and hanging requests: each attempt ends at the per-attempt timeout or the deadline,
  whichever is first, so a response takes about the deadline until the circuit opens.
- The Stripe SDK repeats a request once on a closed connection even with its retries off (stripe-node), so a
  reset costs Stripe two requests per attempt.
`;
writeFileSync(new URL('../reports/chaos.md', import.meta.url), report);
process.stdout.write('wrote bench/reports/chaos.md\n');
