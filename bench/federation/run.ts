/**
 * `npm run bench:federation [-- --rounds 3 --duration 20 --warmup 5 --connections 50 --only a,c --out <file>]`
 *
 * Starts the benchmark subgraphs once, then for each round runs every contender in the same order (a a0 b c d s),
 * each in a fresh process: wait until it answers the query correctly, warm up, measure with autocannon
 * (every body checked), read subgraph request counts and the process's peak RSS, stop it. Writes the report.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { FixtureMissingError, loadFixture } from './fixture.js';
import {
  CONTENDERS,
  LOG_DIR,
  REPO_ROOT,
  cpuSample,
  load,
  otherCores,
  peakRssBytes,
  startContender,
  startSubgraphsProcess,
  stopAll,
  waitForQuiet,
} from './harness.js';
import { renderReport, type Run } from './report.js';

const DEFAULT_REPORT = 'bench/reports/federation.md';

const { values: flags } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '5' },
    connections: { type: 'string', default: '50' },
    only: { type: 'string' },
    out: { type: 'string' },
    'quiet-cores': { type: 'string', default: '0.3' },
    'quiet-wait': { type: 'string', default: '60' },
  },
});

function positive(name: string, value: string | undefined): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new Error(`--${name} must be a positive number (got ${value})`);
  return number;
}

const settings = {
  rounds: Math.floor(positive('rounds', flags.rounds)),
  durationSeconds: positive('duration', flags.duration),
  warmupSeconds: positive('warmup', flags.warmup),
  connections: Math.floor(positive('connections', flags.connections)),
  quietCores: positive('quiet-cores', flags['quiet-cores']),
  quietWaitSeconds: positive('quiet-wait', flags['quiet-wait']),
};
const only = flags.only?.split(',').map((id) => id.trim());
const contenders = CONTENDERS.filter((contender) => !only || only.includes(contender.id));
if (only && contenders.length !== only.length)
  throw new Error(`--only takes contender ids among ${CONTENDERS.map((c) => c.id).join(', ')}`);

// A run that is not the full comparison does not overwrite the committed report unless asked to.
const fullComparison = settings.rounds >= 3 && contenders.length === CONTENDERS.length;
const reportPath = flags.out
  ? resolve(REPO_ROOT, flags.out)
  : fullComparison
    ? resolve(REPO_ROOT, DEFAULT_REPORT)
    : join(LOG_DIR, 'federation.md');

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    interrupted = true;
    console.error(`${signal}: stopping every child process.`);
    stopAll().finally(() => process.exit(130));
  });
}

/** Commit and working-tree state of the code under test, for the report. */
function sourceState(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    const commit = git('rev-parse', '--short', 'HEAD');
    const changed = git('status', '--porcelain', '--', 'gateway', 'platform').split('\n').filter(Boolean).length;
    return changed > 0
      ? `the working tree at ${commit}, with uncommitted changes in ${changed} files of gateway/ and platform/`
      : `commit ${commit} (gateway/ and platform/ unmodified)`;
  } catch {
    return 'the working tree (git unavailable)';
  }
}

/**
 * What the contenders' flags do in the gateway being measured: a flag the gateway's code never mentions does
 * nothing, and the report must say so rather than present (a0) or (b) as something they are not.
 */
function flagNotes(): string[] {
  const gatewayDir = join(REPO_ROOT, 'gateway');
  const code = readdirSync(gatewayDir)
    .filter((file) => file.endsWith('.ts'))
    .map((file) => readFileSync(join(gatewayDir, file), 'utf8'))
    .join('\n');
  const notes = [
    '(a), (a0), (b) run the production configuration with ANONYMOUS_RATE_LIMIT_PER_MINUTE=1000000000: the limiter runs for every ' +
      'request but never refuses the load generator (one address); the query is sent as text, as an anonymous caller does.',
  ];
  notes.push(
    code.includes('GATEWAY_DEDUPE')
      ? "(a0): GATEWAY_DEDUPE=false turns off the gateway's deduplication of identical in-flight operations; (a) and (b) have it on."
      : '(a0): the gateway does not deduplicate yet and does not read GATEWAY_DEDUPE, so (a0) runs the same code as (a).',
  );
  notes.push(
    code.includes('RESPONSE_CACHE')
      ? '(b): RESPONSE_CACHE=true with the subgraphs sending `Cache-Control: public, max-age=60`; (a) and (a0) run with RESPONSE_CACHE=false and no hints.'
      : '(b): response cache not built yet (issue 6): the gateway does not read RESPONSE_CACHE, so (b) runs the same code as (a) with the subgraphs sending Cache-Control.',
  );
  return notes;
}

async function main(): Promise<void> {
  loadFixture();
  const startedAt = new Date();
  // Read before the runs: the code under test is what is on disk when they start.
  const source = sourceState();
  const loadStart = loadavg();
  console.log(
    `federation benchmark: ${settings.rounds} rounds of ${contenders.map((c) => `(${c.id})`).join(' ')}, ` +
      `${settings.warmupSeconds} s warm-up + ${settings.durationSeconds} s at ${settings.connections} connections; child logs in ${LOG_DIR}`,
  );
  const subgraphs = await startSubgraphsProcess();
  const runs: Run[] = [];
  for (let round = 1; round <= settings.rounds && !interrupted; round += 1) {
    for (const contender of contenders) {
      if (interrupted) break;
      const tag = `round${round}`;
      // Others' work on a shared machine skews a run more than anything we control: give it a chance to pass.
      const otherBefore = await waitForQuiet([process.pid, subgraphs.child.pid], settings.quietCores, settings.quietWaitSeconds * 1000);
      const running = await startContender(contender, subgraphs, tag);
      try {
        await load(running.url, settings.warmupSeconds, settings.connections);
        const ours = [process.pid, subgraphs.child.pid, running.child.pid];
        const cpuFrom = cpuSample(ours);
        const result = await load(running.url, settings.durationSeconds, settings.connections, subgraphs.stats);
        const other = otherCores(cpuFrom, cpuSample(ours));
        const rss = peakRssBytes(running.child.pid);
        const window = result.window;
        const subgraphRequests = Object.fromEntries(
          (['accounts', 'products', 'inventory', 'reviews', 'total'] as const).map((key) => [
            key,
            window ? window.end[key] - window.start[key] : 0,
          ]),
        ) as Run['subgraphRequests'];
        const run: Run = {
          round,
          contender: contender.id,
          load: result,
          subgraphRequests,
          subgraphRequestsPerResponse: window && window.responses > 0 ? subgraphRequests.total / window.responses : null,
          windowResponses: window?.responses ?? 0,
          peakRssBytes: rss,
          otherCores: { before: otherBefore, during: other },
          valid: result.mismatches === 0 && result.non2xx === 0 && result.errors === 0 && result.responses > 0,
        };
        runs.push(run);
        console.log(
          `[round ${round}/${settings.rounds}] (${contender.id}) ${result.requestsPerSecond.toFixed(1)} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, ` +
            `${result.responses} responses, ${result.errors} errors, ${result.non2xx} non-2xx, ${result.mismatches} wrong, ` +
            `${run.subgraphRequestsPerResponse?.toFixed(1) ?? '-'} subgraph req/response, peak RSS ${rss === null ? '-' : Math.round(rss / 2 ** 20)} MB, ` +
            `other processes ${other?.toFixed(2) ?? '-'} cores` +
            `${run.valid ? '' : '  INVALID'}`,
        );
      } finally {
        await running.child.stop();
      }
    }
  }
  await subgraphs.child.stop();
  if (interrupted) return;
  const report = renderReport({
    runs,
    settings,
    startedAt,
    finishedAt: new Date(),
    command: `npm run bench:federation${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    loadAverage: { start: loadStart, end: loadavg() },
    source,
    notes: flagNotes(),
  });
  mkdirSync(dirname(reportPath), { recursive: true });
  writeFileSync(reportPath, report);
  const table = report.split('\n').filter((line) => line.startsWith('| (') && line.includes('MB'));
  console.log(`\n${table.slice(0, contenders.length).join('\n')}\n\nreport: ${relative(REPO_ROOT, reportPath) || reportPath}`);
}

try {
  await main();
} catch (error) {
  console.error(error instanceof FixtureMissingError ? error.message : error);
  process.exitCode = 1;
} finally {
  await stopAll();
}
