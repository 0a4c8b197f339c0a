/**
 * `npm run bench:hostile [-- --seconds 5 --connections 10]` → bench/reports/hostile.md: the economy benchmark's
 * operations (a frontend client with an API key) measured alone and again while a second, anonymous client
 * sends a matrix of hostile inputs in a loop, side by side in one run, for the stack as deployed (caches on)
 * and cold (caches off). The attacker also spends its cost budget with heavy valid queries: the frontend's
 * vendor-backed operations must keep answering.
 */
import autocannon from 'autocannon';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startStack, type Stack } from '../../launcher/stack.js';
import { createLogger, type Env } from '../../platform/index.js';
import { loadEconomyOperations, writeFrontendRegistry } from '../economy/operations.js';

const { values: flags } = parseArgs({
  options: { seconds: { type: 'string', default: '5' }, connections: { type: 'string', default: '10' } },
});
const seconds = Number(flags.seconds);
const connections = Number(flags.connections);

const API_KEY = 'bench-hostile-frontend-0123456789';
const registry = writeFrontendRegistry('frontend', API_KEY);
const operations = loadEconomyOperations().map(({ name, query, variables }) => ({ name, body: JSON.stringify({ query, variables }) }));

function nested(levels: number): string {
  let inner = 'id';
  for (let level = 0; level < levels; level++) inner = level % 2 ? `company { ${inner} }` : `customers(first: 100) { nodes { ${inner} } }`;
  return `{ customer(id: "1001") { ${inner} } }`;
}
const forged = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"x"}').toString('base64url')}.`;

/** What the attacker sends, round robin: refused inputs, and heavy valid queries that spend its cost budget. */
const HOSTILE: Array<{ body: string; headers?: Record<string, string> }> = [
  { body: JSON.stringify({ query: nested(12) }) },
  { body: JSON.stringify({ query: nested(60) }) },
  { body: JSON.stringify({ query: `{ ${Array.from({ length: 5000 }, (_, i) => `a${i}: __typename`).join(' ')} }` }) },
  { body: JSON.stringify({ query: `{ customer(id: "1001") { ${'id '.repeat(2000)} } }` }) },
  { body: JSON.stringify({ query: `{ ${'a '.repeat(200_000)} }` }) },
  { body: JSON.stringify({ query: '{ customers(first: 100) { nodes { company { customers(first: 100) { nodes { id } } } } } }' }) },
  { body: JSON.stringify({ query: '{ __typename }' }), headers: { authorization: `Bearer ${forged}` } },
  { body: JSON.stringify({ query: '{ __typename }' }), headers: { 'x-api-key': 'not-a-key-0123456789' } },
  { body: JSON.stringify({ query: '{ customers(first: 100) { nodes { id deals(first: 30) { nodes { id } } } } }' }) },
];

const BASE: Env = {
  NODE_ENV: 'production',
  LOG_LEVEL: 'silent',
  CLIENT_REGISTRY: registry,
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

async function load(stack: Stack, body: string) {
  const result = await autocannon({
    url: `${stack.gatewayUrl}/graphql`,
    method: 'POST',
    connections,
    duration: seconds,
    headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
    body,
  });
  let fivexx = 0;
  for (const [code, count] of Object.entries(result.statusCodeStats ?? {}))
    if (Number(code) >= 500) fivexx += (count as { count: number }).count;
  return { rps: result.requests.average, p99: result.latency.p99, non2xx: result.non2xx + result.errors, fivexx };
}

/** The attacker: one loop sending HOSTILE round robin until stopped; counts answers by status. */
function attack(stack: Stack): { stop(): Promise<Record<string, number>> } {
  let running = true;
  const statuses: Record<string, number> = {};
  const loop = (async () => {
    for (let i = 0; running; i++) {
      const input = HOSTILE[i % HOSTILE.length]!;
      const response = await fetch(`${stack.gatewayUrl}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...input.headers },
        body: input.body,
      });
      const body = (await response.json()) as { errors?: Array<{ extensions?: { code?: string } }> };
      const key = `${response.status} ${body.errors?.[0]?.extensions?.code ?? 'ok'}`;
      statuses[key] = (statuses[key] ?? 0) + 1;
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return statuses;
    },
  };
}

const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
const lines: string[] = [];
const rows: string[] = [];
const attackerSeen: Record<string, number> = {};
for (const [mode, env] of Object.entries(MODES)) {
  const stack = await startStack({ env, ports: 'ephemeral', log: createLogger({ name: 'bench', level: 'silent' }) });
  try {
    for (const operation of operations) {
      await load(stack, operation.body); // warm-up round, not reported
      const rssBefore = process.memoryUsage().rss;
      const alone = await load(stack, operation.body);
      const attacker = attack(stack);
      const underAttack = await load(stack, operation.body);
      const seen = await attacker.stop();
      for (const [key, count] of Object.entries(seen)) attackerSeen[key] = (attackerSeen[key] ?? 0) + count;
      const rssAfter = process.memoryUsage().rss;
      rows.push(
        `| ${mode} | ${operation.name} | ${alone.rps.toFixed(0)} | ${underAttack.rps.toFixed(0)} | ${alone.rps > 0 ? `${((underAttack.rps / alone.rps) * 100).toFixed(0)}%` : 'n/a'} | ${alone.p99} / ${underAttack.p99} | ${alone.fivexx + underAttack.fivexx} | ${alone.non2xx + underAttack.non2xx} | ${mb(rssBefore)} → ${mb(rssAfter)} |`,
      );
      console.log(rows.at(-1));
    }
  } finally {
    await stack.close();
  }
}

lines.push(
  '# Hostile traffic beside normal traffic',
  '',
  `Generated by \`npm run bench:hostile -- --seconds ${seconds} --connections ${connections}\` on ${new Date().toISOString().slice(0, 10)} (Node ${process.version}).`,
  "Normal traffic: the economy benchmark's operations from a frontend API client, `autocannon` with " +
    `${connections} connections for ${seconds} s each, measured alone and then while an anonymous client sends the hostile ` +
    'matrix below in a loop (same process, same stack, one after the other). `cached`: the stack as deployed; `cold`: entity ' +
    'cache, response cache and deduplication off, so every request reaches the vendor emulators. RSS is the whole process ' +
    '(gateway, subgraphs, emulators and the load generator) before the alone run and after the attacked run.',
  '',
  '| mode | operation | req/s alone | req/s under attack | ratio | p99 ms alone / attacked | 5xx | non-2xx | RSS MB |',
  '|---|---|---|---|---|---|---|---|---|',
  ...rows,
  '',
  "The attacker's answers over the whole run (status and code): the hostile inputs are refused before planning; its heavy " +
    'valid queries run until its anonymous cost budget (20000 a minute) is spent, then get `COST_BUDGET_EXCEEDED` while the ' +
    "frontend's vendor-backed operations keep answering.",
  '',
  '| answer | count |',
  '|---|---|',
  ...Object.entries(attackerSeen)
    .sort()
    .map(([key, count]) => `| ${key} | ${count} |`),
  '',
);
writeFileSync(new URL('../reports/hostile.md', import.meta.url), lines.join('\n'));
console.log('Wrote bench/reports/hostile.md');
process.exit(0);
