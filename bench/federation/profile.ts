/**
 * `tsx bench/federation/profile.ts [--contender a] [--duration 20] [--warmup 5] [--connections 50] [--out <file>]`
 *
 * One CPU profile (`node --cpu-prof`) of a contender under the benchmark load, summarised by where the time
 * goes: Interchange's own code (gateway/, platform/), @apollo/gateway's query planning and execution, Apollo
 * Server, graphql-js, JSON, HTTP. Writes bench/reports/federation-profile.md; the .cpuprofile itself stays in
 * the temporary log folder (open it in Chrome DevTools or speedscope).
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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
  sleep,
  startContender,
  startSubgraphsProcess,
  stopAll,
} from './harness.js';

type CallFrame = { functionName: string; url: string; lineNumber: number; columnNumber: number };
type ProfileNode = { id: number; callFrame: CallFrame; children?: number[] };
type CpuProfile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };

/** Where a frame's code comes from, in the terms the next change needs: what is ours, what is Apollo's. */
export function categorize(frame: CallFrame): string {
  const { url, functionName } = frame;
  // V8 inlines JSON.stringify/parse into their caller's frame (Apollo Server's prettyJSONStringify, undici's
  // parseJSONFromBytes), so serialisation is recognised by the caller's name as well as the builtin's.
  if (
    /^(stringify|parse|prettyJSONStringify|parseJSONFromBytes)$/.test(functionName) &&
    (url === '' || /@apollo\/server|undici/.test(url))
  ) {
    return 'JSON serialisation / parsing';
  }
  if (url === '') {
    if (functionName === '(root)') return 'root';
    if (functionName === '(idle)') return 'idle';
    if (functionName === '(garbage collector)') return 'garbage collection';
    if (functionName === '(program)') return 'V8 / native (unattributed)';
    return 'native builtins';
  }
  const path = url.replace(/^file:\/\//, '');
  const inRepo = (folder: string) => path.startsWith(join(REPO_ROOT, folder) + '/');
  if (inRepo('gateway')) return 'Interchange gateway/ (plugins, fetcher, request identity, masking, cache)';
  if (inRepo('platform')) return 'Interchange platform/';
  if (inRepo('bench')) return 'benchmark entry';
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path);
  const pkg = match?.[1];
  if (pkg) {
    if (pkg === '@apollo/query-planner') return '@apollo/query-planner (planning)';
    if (pkg === '@apollo/federation-internals') return '@apollo/federation-internals (planning, schema ops)';
    if (pkg === '@apollo/gateway') return '@apollo/gateway (plan execution, result merging)';
    if (pkg === '@apollo/server' || pkg.startsWith('@apollo/server-') || pkg.startsWith('@apollo/utils')) return '@apollo/server + utils';
    if (pkg === 'graphql') return 'graphql-js (parse, validate, execute)';
    if (pkg === 'undici') return 'undici (subgraph HTTP)';
    if (
      [
        'express',
        'router',
        'body-parser',
        'raw-body',
        'iconv-lite',
        'finalhandler',
        'send',
        'qs',
        'type-is',
        'content-type',
        '@as-integrations/express5',
        'cors',
      ].includes(pkg)
    ) {
      return 'express stack (routing, body parsing)';
    }
    if (pkg === 'rate-limiter-flexible') return 'rate-limiter-flexible';
    if (pkg === 'pino' || pkg.startsWith('pino-')) return 'pino (logging)';
    if (pkg === 'tsx' || pkg === 'esbuild' || pkg === '@esbuild') return 'tsx loader';
    return `other package: ${pkg}`;
  }
  if (path.startsWith('node:')) return 'Node core (http, net, streams, crypto)';
  return `other: ${path}`;
}

export type ProfileSummary = {
  samples: number;
  wallMs: number;
  categories: Array<{ category: string; selfShare: number; inclusiveShare: number }>;
  functions: Array<{ name: string; where: string; category: string; selfShare: number }>;
};

export function summarizeProfile(profile: CpuProfile): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const selfHits = new Map<number, number>();
  for (const id of profile.samples) selfHits.set(id, (selfHits.get(id) ?? 0) + 1);
  // Idle time is the process waiting on I/O, not work: shares are of the samples that did something.
  const busy = profile.samples.filter((id) => byId.get(id)?.callFrame.functionName !== '(idle)').length || 1;

  const selfByCategory = new Map<string, number>();
  const inclusiveByCategory = new Map<string, number>();
  const selfByFunction = new Map<string, { name: string; where: string; category: string; hits: number }>();
  for (const [id, hits] of selfHits) {
    const frame = byId.get(id)!.callFrame;
    const category = categorize(frame);
    if (category === 'idle' || category === 'root') continue;
    selfByCategory.set(category, (selfByCategory.get(category) ?? 0) + hits);
    const where = frame.url ? `${relative(REPO_ROOT, frame.url.replace(/^file:\/\//, ''))}:${frame.lineNumber + 1}` : '(native)';
    const key = `${frame.functionName}@${where}`;
    const entry = selfByFunction.get(key) ?? { name: frame.functionName || '(anonymous)', where, category, hits: 0 };
    entry.hits += hits;
    selfByFunction.set(key, entry);
    // Inclusive: every category on this sample's stack gets the sample once.
    const seen = new Set<string>();
    for (let node: number | undefined = id; node !== undefined; node = parent.get(node)) seen.add(categorize(byId.get(node)!.callFrame));
    seen.delete('root');
    for (const each of seen) inclusiveByCategory.set(each, (inclusiveByCategory.get(each) ?? 0) + hits);
  }
  return {
    samples: profile.samples.length,
    wallMs: (profile.endTime - profile.startTime) / 1000,
    categories: [...selfByCategory.entries()]
      .map(([category, hits]) => ({ category, selfShare: hits / busy, inclusiveShare: (inclusiveByCategory.get(category) ?? 0) / busy }))
      .sort((x, y) => y.selfShare - x.selfShare),
    functions: [...selfByFunction.values()]
      .map(({ hits, ...rest }) => ({ ...rest, selfShare: hits / busy }))
      .sort((x, y) => y.selfShare - x.selfShare)
      .slice(0, 30),
  };
}

const percent = (share: number) => `${(share * 100).toFixed(1)}%`;

async function main(): Promise<void> {
  const { values: flags } = parseArgs({
    options: {
      contender: { type: 'string', default: 'a' },
      duration: { type: 'string', default: '20' },
      warmup: { type: 'string', default: '5' },
      connections: { type: 'string', default: '50' },
      out: { type: 'string', default: 'bench/reports/federation-profile.md' },
    },
  });
  const contender = CONTENDERS.find((entry) => entry.id === flags.contender);
  if (!contender) throw new Error(`--contender takes one of ${CONTENDERS.map((entry) => entry.id).join(', ')}`);
  const duration = Number(flags.duration);
  const connections = Number(flags.connections);
  loadFixture();
  const profileDir = join(LOG_DIR, 'cpu-profile');
  mkdirSync(profileDir, { recursive: true });
  const subgraphs = await startSubgraphsProcess();
  const running = await startContender(contender, subgraphs, 'profile', ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]);
  await load(running.url, Number(flags.warmup), connections);
  const ours = [process.pid, subgraphs.child.pid, running.child.pid];
  const cpuFrom = cpuSample(ours);
  const result = await load(running.url, duration, connections, subgraphs.stats);
  const other = otherCores(cpuFrom, cpuSample(ours));
  // The profile is written when the process exits on its own (SIGTERM -> close -> exit), not when killed.
  await running.child.stop(30_000);
  await subgraphs.child.stop();
  let file: string | undefined;
  for (let tries = 0; tries < 20 && !file; tries += 1) {
    file = readdirSync(profileDir).find((name) => name.endsWith('.cpuprofile'));
    if (!file) await sleep(250);
  }
  if (!file) throw new Error(`no .cpuprofile was written to ${profileDir} (did the contender exit cleanly?)`);
  const profilePath = join(profileDir, file);
  const summary = summarizeProfile(JSON.parse(readFileSync(profilePath, 'utf8')) as CpuProfile);

  const lines = [
    `# CPU profile of (${contender.id}) under the federation benchmark load`,
    '',
    `${contender.label}; \`node --cpu-prof\` over the whole process life: ${flags.warmup} s warm-up and ${duration} s of autocannon at ${connections}`,
    `connections (${result.requestsPerSecond.toFixed(1)} req/s, p99 ${result.p99Ms} ms, ${result.mismatches} wrong bodies; other processes on the machine used ` +
      `${other?.toFixed(2) ?? '?'} cores meanwhile). ${summary.samples} samples over ${(summary.wallMs / 1000).toFixed(1)} s; shares are of the non-idle samples.`,
    `Profile: ${profilePath} (temporary). Reproduce: \`tsx bench/federation/profile.ts --contender ${contender.id}\`.`,
    '',
    '## By origin',
    '',
    'Self: time in that code itself. Inclusive: samples with that code anywhere on the stack (so an Interchange hook that calls',
    'into Apollo counts the Apollo time too; inclusive shares add up to more than 100%).',
    '',
    '| origin | self | inclusive |',
    '|---|---:|---:|',
    ...summary.categories.map((row) => `| ${row.category} | ${percent(row.selfShare)} | ${percent(row.inclusiveShare)} |`),
    '',
    '## Top functions by self time',
    '',
    '| function | where | origin | self |',
    '|---|---|---|---:|',
    ...summary.functions.map((row) => `| ${row.name} | ${row.where} | ${row.category} | ${percent(row.selfShare)} |`),
    '',
  ];
  const out = resolve(REPO_ROOT, flags.out);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, lines.join('\n'));
  console.log(lines.slice(0, 40).join('\n'));
  console.log(`\nreport: ${relative(REPO_ROOT, out)}`);
}

try {
  await main();
} catch (error) {
  console.error(error instanceof FixtureMissingError ? error.message : error);
  process.exitCode = 1;
} finally {
  await stopAll();
}
