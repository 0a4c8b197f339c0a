/** Turns the runs into bench/reports/federation.md: summary, ratios to (c), raw rounds, versions, machine. */
import { readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { CONTENDERS, REPO_ROOT, type ContenderId, type LoadResult } from './harness.js';
import type { SubgraphStats } from './subgraphs.js';

export type Run = {
  round: number;
  contender: ContenderId;
  load: LoadResult;
  subgraphRequests: SubgraphStats;
  /** Subgraph requests in the steady-state window divided by the 2xx responses in it. */
  subgraphRequestsPerResponse: number | null;
  windowResponses: number;
  peakRssBytes: number | null;
  /** Cores busy with other processes just before the run and on average during the measured load. */
  otherCores: { before: number | null; during: number | null };
  valid: boolean;
};

export type ReportInput = {
  runs: Run[];
  settings: {
    rounds: number;
    durationSeconds: number;
    warmupSeconds: number;
    connections: number;
    quietCores: number;
    quietWaitSeconds: number;
  };
  startedAt: Date;
  finishedAt: Date;
  command: string;
  loadAverage: { start: number[]; end: number[] };
  /** What was measured: commit, and whether gateway/ had uncommitted changes. */
  source: string;
  /** Lines for the notes under the table (what a contender's flags do or do not do in this gateway). */
  notes: string[];
};

export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((x, y) => x - y);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export type Summary = {
  contender: ContenderId;
  runs: number;
  invalidRuns: number;
  requestsPerSecond: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  errors: number;
  subgraphRequestsPerResponse: number | null;
  /** Highest VmHWM over this contender's runs. */
  peakRssBytes: number | null;
};

/** Medians over the valid runs only (a run with a wrong response does not count); errors over all runs. */
export function summarize(runs: Run[]): Summary[] {
  return CONTENDERS.filter((contender) => runs.some((run) => run.contender === contender.id)).map(({ id }) => {
    const all = runs.filter((run) => run.contender === id);
    const valid = all.filter((run) => run.valid);
    const numbers = (pick: (run: Run) => number | null) => valid.map(pick).filter((value): value is number => value !== null);
    const rss = numbers((run) => run.peakRssBytes);
    return {
      contender: id,
      runs: all.length,
      invalidRuns: all.length - valid.length,
      requestsPerSecond: median(numbers((run) => run.load.requestsPerSecond)),
      p50Ms: median(numbers((run) => run.load.p50Ms)),
      p99Ms: median(numbers((run) => run.load.p99Ms)),
      errors: all.reduce((sum, run) => sum + run.load.errors + run.load.non2xx, 0),
      subgraphRequestsPerResponse: median(numbers((run) => run.subgraphRequestsPerResponse)),
      peakRssBytes: rss.length > 0 ? Math.max(...rss) : null,
    };
  });
}

const dash = '—';
const fixed = (value: number | null, digits = 1) => (value === null ? dash : value.toFixed(digits));
const ms = (value: number | null) => (value === null ? dash : `${Math.round(value)} ms`);
const mb = (bytes: number | null) => (bytes === null ? dash : `${Math.round(bytes / 2 ** 20)} MB`);
const ratio = (value: number | null, base: number | null) =>
  value === null || base === null || base === 0 ? dash : `${(value / base).toFixed(2)}x`;

function packageVersion(name: string, root = REPO_ROOT): string {
  try {
    return (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

function cpuModel(): string {
  try {
    return /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown';
  } catch {
    return cpus()[0]?.model ?? 'unknown';
  }
}

export function renderReport(input: ReportInput): string {
  const summaries = summarize(input.runs);
  const byId = new Map(summaries.map((summary) => [summary.contender, summary]));
  const base = byId.get('c');
  const contender = (id: ContenderId) => CONTENDERS.find((entry) => entry.id === id)!;
  const { settings } = input;
  const lines: string[] = [];
  const push = (...more: string[]) => lines.push(...more);

  push(
    '# Federation gateway benchmark',
    '',
    `Measured ${input.startedAt.toISOString()} – ${input.finishedAt.toISOString()} by \`${input.command}\` (bench/federation/run.ts).`,
    `${settings.rounds} alternating rounds (${summaries.map((summary) => `(${summary.contender})`).join(' ')} per round), each run a fresh gateway process with`,
    `\`NODE_ENV=production\`, ${settings.warmupSeconds} s warm-up, then autocannon at ${settings.connections} connections for ${settings.durationSeconds} s on 127.0.0.1.`,
    'Every response body is compared with expected.json; a run with any wrong response, non-2xx or error is invalid and left out',
    'of the medians. Figures are medians of the valid runs; peak RSS is the highest VmHWM of the gateway process over its runs.',
    'Subgraph requests per response are counted between 10% and 90% of each run, where as many requests are in flight at both ends.',
    `Before each run the runner waits (up to ${settings.quietWaitSeconds} s) until other processes use less than ${settings.quietCores} cores; the`,
    '"other processes" column of the raw runs says how busy the rest of the machine was during each measurement.',
    '',
    '| contender | median req/s | vs (c) | p50 | p99 | errors | invalid runs | subgraph requests / response | peak RSS |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const summary of summaries) {
    push(
      `| (${summary.contender}) ${contender(summary.contender).label} | ${fixed(summary.requestsPerSecond)} | ${ratio(summary.requestsPerSecond, base?.requestsPerSecond ?? null)} | ${ms(summary.p50Ms)} | ${ms(summary.p99Ms)} | ${summary.errors} | ${summary.invalidRuns} of ${summary.runs} | ${fixed(summary.subgraphRequestsPerResponse)} | ${mb(summary.peakRssBytes)} |`,
    );
  }
  push('');
  push('Notes:', `- Measured: ${input.source}.`, ...input.notes.map((note) => `- ${note}`), '');

  push(
    '## Ratios to (c)',
    '',
    '| contender | req/s | p50 | p99 | subgraph requests / response | peak RSS |',
    '|---|---:|---:|---:|---:|---:|',
  );
  for (const summary of summaries) {
    push(
      `| (${summary.contender}) | ${ratio(summary.requestsPerSecond, base?.requestsPerSecond ?? null)} | ${ratio(summary.p50Ms, base?.p50Ms ?? null)} | ${ratio(summary.p99Ms, base?.p99Ms ?? null)} | ${ratio(summary.subgraphRequestsPerResponse, base?.subgraphRequestsPerResponse ?? null)} | ${ratio(summary.peakRssBytes, base?.peakRssBytes ?? null)} |`,
    );
  }
  push('');

  // The issue's targets, checked against this run so the next change can see where it stands.
  const rps = (id: ContenderId) => byId.get(id)?.requestsPerSecond ?? null;
  const rss = (id: ContenderId) => byId.get(id)?.peakRssBytes ?? null;
  const meets = (ok: boolean | null) => (ok === null ? 'not measured' : ok ? 'met' : 'not met');
  const atLeast = (value: number | null, floor: number | null, factor: number) =>
    value === null || floor === null ? null : value >= floor * factor;
  push(
    '## Targets (issues 8 and 17)',
    '',
    '| target | now | status |',
    '|---|---|---|',
    `| (a0) ≥ 1.3x (c) req/s | ${ratio(rps('a0'), rps('c'))} | ${meets(atLeast(rps('a0'), rps('c'), 1.3))} |`,
    `| (a) ≥ 1.0x (d) req/s | ${ratio(rps('a'), rps('d'))} | ${meets(atLeast(rps('a'), rps('d'), 1.0))} |`,
    `| (a) peak RSS ≤ (c) | ${mb(rss('a'))} vs ${mb(rss('c'))} | ${meets(rss('a') === null || rss('c') === null ? null : rss('a')! <= rss('c')!)} |`,
    `| (b) ≥ 13x (c) req/s | ${ratio(rps('b'), rps('c'))} | ${meets(atLeast(rps('b'), rps('c'), 13))} |`,
    `| (a+otel) ≥ 0.9x (a) req/s (issue 16: telemetry overhead) | ${ratio(rps('a+otel'), rps('a'))} | ${meets(atLeast(rps('a+otel'), rps('a'), 0.9))} |`,
    `| (b) ≥ 0.5x (s) req/s (issue 17: a cache hit costs little more than its bytes) | ${ratio(rps('b'), rps('s'))} | ${meets(atLeast(rps('b'), rps('s'), 0.5))} |`,
    '',
  );

  push(
    '## Every run',
    '',
    '| round | contender | req/s | p50 | p99 | 2xx responses | errors | non-2xx | wrong bodies | subgraph requests / response (accounts/products/inventory/reviews) | peak RSS | other processes (cores) | counted |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---|',
  );
  for (const run of input.runs) {
    const stats = run.subgraphRequests;
    const per = (count: number) => (run.windowResponses > 0 ? (count / run.windowResponses).toFixed(1) : dash);
    push(
      `| ${run.round} | (${run.contender}) | ${fixed(run.load.requestsPerSecond)} | ${ms(run.load.p50Ms)} | ${ms(run.load.p99Ms)} | ${run.load.responses} | ${run.load.errors} | ${run.load.non2xx} | ${run.load.mismatches} | ${fixed(run.subgraphRequestsPerResponse)} (${per(stats.accounts)}/${per(stats.products)}/${per(stats.inventory)}/${per(stats.reviews)}) | ${mb(run.peakRssBytes)} | ${fixed(run.otherCores.during, 2)} | ${run.valid ? 'yes' : 'no'} |`,
    );
  }
  const wrong = input.runs.filter((run) => run.load.firstMismatch !== undefined);
  if (wrong.length > 0) {
    push('', 'First wrong body of each run that had one (cut at 300 characters):', '');
    for (const run of wrong) push(`- round ${run.round} (${run.contender}): \`${run.load.firstMismatch!.replace(/`/g, "'")}\``);
  }
  push('');

  push(
    '## Versions and machine',
    '',
    `- node ${process.version}; @apollo/gateway ${packageVersion('@apollo/gateway')}, @apollo/server ${packageVersion('@apollo/server')}, ` +
      `@apollo/subgraph ${packageVersion('@apollo/subgraph')}, graphql ${packageVersion('graphql')}, @graphql-hive/gateway ${packageVersion('@graphql-hive/gateway', join(REPO_ROOT, 'bench/federation/peers'))}, ` +
      `autocannon ${packageVersion('autocannon')}, undici ${packageVersion('undici')}, tsx ${packageVersion('tsx')}`,
    `- ${cpus().length} cores, ${cpuModel()}, ${(totalmem() / 2 ** 30).toFixed(1)} GB memory, Linux ${release()}`,
    `- load average (1/5/15 min) at start ${input.loadAverage.start.map((value) => value.toFixed(2)).join(' / ')}, at end ${input.loadAverage.end.map((value) => value.toFixed(2)).join(' / ')}`,
    '- One machine runs everything: the subgraphs (one process, shared by all contenders), the gateway under test and autocannon',
    '  (in the runner process) compete for the same cores, so compare contenders within one report, not across machines.',
    '- Every contender is started as `node --import tsx <entry>` (bench/federation/contenders/), so the tsx loader is in all of them alike.',
    '',
    '## How to reproduce',
    '',
    '```sh',
    'npm run bench:federation                 # full: 3 rounds × 20 s per run, writes this file',
    'npm run bench:federation -- --rounds 5 --duration 30',
    'npm run bench:federation:quick           # 1 round × 5 s, a smoke check; prints the table, does not overwrite this file',
    'tsx bench/federation/profile.ts          # one CPU profile of (a) under the same load, summarised',
    '```',
    '',
    'Needs the fixture at `../shared/bench/federation-benchmark/` beside the repository. The subgraphs serving it are',
    'bench/federation/subgraphs.ts (their SDL in the .graphql files beside it; composing them gives the fixture supergraph).',
    '',
  );
  return lines.join('\n');
}
