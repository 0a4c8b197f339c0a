import { randomBytes } from 'node:crypto';
/**
 * The pieces the runner and the profiler share: child processes that are always stopped, the subgraphs
 * process, readiness, autocannon with every response checked, peak RSS.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadFixture, matchesExpected } from './fixture.js';
import type { SubgraphStats } from './subgraphs.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const HOST = '127.0.0.1';

/** Where child process output goes: one log file per process, kept for a look after a failed run. */
export const LOG_DIR = mkdtempSync(join(tmpdir(), 'interchange-bench-federation-'));

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A free TCP port on 127.0.0.1 (asked of the OS, then released for the child to take). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export type Child = {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Null while running. */
  exitCode(): number | null | 'signal';
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
};

const running = new Set<Child>();

/** Stops every child still running; the runner calls it on exit and on error so nothing is left behind. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((child) => child.stop(5000)));
}

/**
 * Starts a TypeScript entry as `node [nodeArgs] --import tsx <entry>` (not through the tsx CLI, which would put
 * a second node process between us and the one to measure), output to a log file.
 */
export function startChild(name: string, entry: string, env: Record<string, string>, nodeArgs: string[] = []): Child {
  const logFile = join(LOG_DIR, `${name}.log`);
  const fd = openSync(logFile, 'a');
  // TypeScript through tsx; a built `.js` entry (dist/, as npm start runs) as it is.
  const proc: ChildProcess = spawn(process.execPath, [...nodeArgs, ...(entry.endsWith('.ts') ? ['--import', 'tsx'] : []), entry], {
    cwd: REPO_ROOT,
    // No contender reports usage outside the machine (@apollo/gateway would, by default).
    env: { ...process.env, APOLLO_TELEMETRY_DISABLED: 'true', ...env },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  if (proc.pid === undefined) throw new Error(`could not start ${name} (${entry})`);
  let code: number | null | 'signal' = null;
  const exited = new Promise<void>((resolve) => {
    proc.once('exit', (exitCode) => {
      code = exitCode ?? 'signal';
      resolve();
    });
  });
  const child: Child = {
    name,
    pid: proc.pid,
    logFile,
    exitCode: () => code,
    async stop(graceMs = 15_000) {
      if (code === null) {
        proc.kill('SIGTERM');
        const killed = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
        if (!killed) {
          proc.kill('SIGKILL');
          await exited;
        }
      }
      running.delete(child);
    },
  };
  running.add(child);
  return child;
}

/** Polls until `check` is true, the child exits (error with its log tail) or `timeoutMs` passes. */
export async function waitFor(child: Child, what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode() !== null) throw new Error(`${child.name} exited (${child.exitCode()}) before ${what}:\n${logTail(child)}`);
    try {
      if (await check()) return;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  throw new Error(`${child.name} was not ${what} within ${timeoutMs / 1000} s:\n${logTail(child)}`);
}

export function logTail(child: Child, lines = 20): string {
  try {
    return readFileSync(child.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

// ---- subgraphs process ----

export type SubgraphsProcess = {
  child: Child;
  url: string;
  stats(): Promise<SubgraphStats>;
  resetStats(): Promise<void>;
  setCacheHints(on: boolean): Promise<void>;
};

export async function startSubgraphsProcess(): Promise<SubgraphsProcess> {
  const port = await freePort();
  const url = `http://${HOST}:${port}`;
  const child = startChild('subgraphs', 'bench/federation/subgraphs.ts', { PORT: String(port), NODE_ENV: 'production' });
  const call = async (method: string, path: string) => {
    const response = await fetch(`${url}${path}`, { method, signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new Error(`${method} ${path} on the subgraphs: HTTP ${response.status}`);
    return response.json() as Promise<unknown>;
  };
  await waitFor(child, 'ready', async () => (await fetch(`${url}/_stats`)).ok, 30_000);
  return {
    child,
    url,
    stats: async () => (await call('GET', '/_stats')) as SubgraphStats,
    resetStats: async () => {
      await call('DELETE', '/_stats');
    },
    setCacheHints: async (on) => {
      await call('PUT', `/_cache-hints/${on ? 'on' : 'off'}`);
    },
  };
}

// ---- contenders ----

export type ContenderId = 'a' | 'a0' | 'a+otel' | 'b' | 'c' | 'd' | 's';

export type Contender = {
  id: ContenderId;
  label: string;
  entry: string;
  /** Extra environment on top of NODE_ENV=production, PORT and SUBGRAPHS_URL. */
  env: Record<string, string>;
  /** Whether the subgraphs send cache hints while this contender runs. */
  cacheHints: boolean;
};

/**
 * The Interchange gateway's production settings for the benchmark. The anonymous rate limit stays on (its
 * limiter runs for every request) but so high that it never refuses autocannon, which is one address.
 */
/**
 * Interchange in production, its safety limits lifted where they would refuse the benchmark's own load (50
 * anonymous connections): rate and cost budgets. Subgraph requests are signed as in any production deployment
 * (the fixture subgraphs ignore the signature, so the cost of signing is measured).
 */
const INTERCHANGE_ENV = {
  ANONYMOUS_RATE_LIMIT_PER_MINUTE: '1000000000',
  COST_MAX_PER_REQUEST: '1000000000',
  COST_BUDGET_PER_MINUTE: '1000000000',
  COST_BUDGET_ANONYMOUS_PER_MINUTE: '1000000000',
  SUBGRAPH_SECRET: randomBytes(32).toString('hex'),
};

export const CONTENDERS: readonly Contender[] = [
  {
    id: 'a',
    label: 'Interchange gateway (production, response cache off)',
    entry: 'bench/federation/contenders/interchange.ts',
    env: { ...INTERCHANGE_ENV, GATEWAY_DEDUPE: 'true', RESPONSE_CACHE: 'false' },
    cacheHints: false,
  },
  {
    id: 'a0',
    label: 'Interchange gateway, every deduplication off (raw engine)',
    entry: 'bench/federation/contenders/interchange.ts',
    env: { ...INTERCHANGE_ENV, GATEWAY_DEDUPE: 'false', RESPONSE_CACHE: 'false' },
    cacheHints: false,
  },
  {
    id: 'a+otel',
    label: 'Interchange gateway as (a), with metrics and tracing at 10% sampling exported over OTLP/HTTP to a local receiver',
    entry: 'bench/federation/contenders/interchange-otel.ts',
    env: { ...INTERCHANGE_ENV, GATEWAY_DEDUPE: 'true', RESPONSE_CACHE: 'false', OTEL_TRACES_SAMPLER_ARG: '0.1' },
    cacheHints: false,
  },
  {
    id: 'b',
    label: 'Interchange gateway, response cache on (subgraphs send cache hints)',
    entry: 'bench/federation/contenders/interchange.ts',
    env: { ...INTERCHANGE_ENV, GATEWAY_DEDUPE: 'true', RESPONSE_CACHE: 'true' },
    cacheHints: true,
  },
  {
    id: 'c',
    label: 'plain @apollo/gateway + @apollo/server, defaults',
    entry: 'bench/federation/contenders/apollo.ts',
    env: {},
    cacheHints: false,
  },
  { id: 'd', label: 'Hive Gateway, defaults', entry: 'bench/federation/contenders/hive.ts', env: {}, cacheHints: false },
  {
    id: 's',
    label: 'bare node:http answering the expected body from memory (the physical limit)',
    entry: 'bench/federation/contenders/static.ts',
    env: {},
    cacheHints: false,
  },
];

export type RunningContender = { child: Child; url: string };

export async function startContender(
  contender: Contender,
  subgraphs: SubgraphsProcess,
  tag: string,
  nodeArgs: string[] = [],
): Promise<RunningContender> {
  await subgraphs.setCacheHints(contender.cacheHints);
  const port = await freePort();
  const url = `http://${HOST}:${port}/graphql`;
  const child = startChild(
    `contender-${contender.id}-${tag}`,
    contender.entry,
    { ...contender.env, NODE_ENV: 'production', PORT: String(port), SUBGRAPHS_URL: subgraphs.url },
    nodeArgs,
  );
  try {
    // Ready means it answers the benchmark query correctly, not just that the port is open.
    await waitFor(child, 'answering the benchmark query correctly', async () => {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: requestBody(),
        signal: AbortSignal.timeout(5000),
      });
      return response.ok && matchesExpected(await response.text());
    });
  } catch (error) {
    await child.stop(5000);
    throw error;
  }
  return { child, url };
}

export function requestBody(): string {
  return JSON.stringify({ query: loadFixture().query });
}

/** Peak resident set size in bytes since the process started (VmHWM), or null when /proc has none. */
export function peakRssBytes(pid: number): number | null {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

// ---- load ----

/** The part of autocannon's result the harness uses (the package ships no types). */
type AutocannonResult = {
  duration: number;
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number; max: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  mismatches: number;
  '2xx': number;
};
type AutocannonOptions = {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: string;
  connections: number;
  duration: number;
  timeout: number;
  verifyBody: (body: string) => boolean;
};
/** The autocannon instance: an event emitter that reports each response as it arrives. */
type AutocannonInstance = { on(event: 'response', listener: (client: unknown, statusCode: number) => void): void };
type Autocannon = (options: AutocannonOptions, callback: (error: Error | null, result: AutocannonResult) => void) => AutocannonInstance;

const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

export type LoadResult = {
  durationSeconds: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Connection errors and timeouts. */
  errors: number;
  non2xx: number;
  /** Responses whose body was not the expected response. */
  mismatches: number;
  /** 2xx responses. */
  responses: number;
  /** The first wrong body seen, cut short, for the report. */
  firstMismatch?: string;
  /** What `sample` returned at the start and end of the steady-state window, and the 2xx responses in between. */
  window?: { start: SubgraphStats; end: SubgraphStats; responses: number };
};

/**
 * Subgraph requests per response are counted over a window inside the load (from 10% to 90% of it): there
 * about as many requests are in flight at the end as at the start, so requests whose subgraph calls fall on
 * either side of the window balance out. Counting from the first to the last response instead would charge
 * the responses with the subgraph calls of the requests still in flight when autocannon stops.
 */
const WINDOW = { from: 0.1, to: 0.9 } as const;

/** autocannon against `url` with the benchmark query; every response body is checked against expected.json. */
export function load(
  url: string,
  durationSeconds: number,
  connections: number,
  sample?: () => Promise<SubgraphStats>,
): Promise<LoadResult> {
  let firstMismatch: string | undefined;
  let responses = 0;
  let window: Promise<LoadResult['window']> | undefined;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: requestBody(),
        connections,
        duration: durationSeconds,
        timeout: 10,
        verifyBody: (body) => {
          const ok = matchesExpected(body);
          if (!ok && firstMismatch === undefined) firstMismatch = body.slice(0, 300);
          return ok;
        },
      },
      (error, result) => {
        if (error) return reject(error);
        (window ?? Promise.resolve(undefined)).then(
          (measured) =>
            resolve({
              durationSeconds: result.duration,
              requestsPerSecond: result.requests.average,
              p50Ms: result.latency.p50,
              p99Ms: result.latency.p99,
              // autocannon counts timeouts among errors already.
              errors: result.errors,
              non2xx: result.non2xx,
              mismatches: result.mismatches,
              responses: result['2xx'],
              ...(firstMismatch === undefined ? {} : { firstMismatch }),
              ...(measured ? { window: measured } : {}),
            }),
          reject,
        );
      },
    );
    instance.on('response', (_client, statusCode) => {
      if (statusCode >= 200 && statusCode < 300) responses += 1;
    });
    if (sample) {
      const at = (fraction: number) => sleep(durationSeconds * 1000 * fraction).then(async () => ({ stats: await sample(), responses }));
      // A failed stats call costs the run its subgraph count, not the run.
      window = Promise.all([at(WINDOW.from), at(WINDOW.to)]).then(
        ([start, end]) => ({ start: start.stats, end: end.stats, responses: end.responses - start.responses }),
        () => undefined,
      );
    }
  });
}

// ---- the rest of the machine ----

/** CPU time in clock ticks: all CPUs' total and busy time from /proc/stat, and the busy time of our processes. */
export type CpuSample = { total: number; busy: number; ours: number };

function processTicks(pid: number): number {
  try {
    // Fields after the ")" that ends the command name: state is field 3, utime 14 and stime 15.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

export function cpuSample(pids: number[]): CpuSample | null {
  try {
    const ticks = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = ticks.reduce((sum, value) => sum + value, 0);
    const idle = ticks[3]! + ticks[4]!;
    return { total, busy: total - idle, ours: pids.reduce((sum, pid) => sum + processTicks(pid), 0) };
  } catch {
    return null;
  }
}

/**
 * How many cores, on average between two samples, were busy with processes other than ours (runner with
 * autocannon, subgraphs, the gateway under test). On a shared machine this is the noise a run was measured in.
 */
export function otherCores(from: CpuSample | null, to: CpuSample | null): number | null {
  if (!from || !to || to.total <= from.total) return null;
  const others = to.busy - from.busy - (to.ours - from.ours);
  return Math.max(0, (others / (to.total - from.total)) * cpus().length);
}

/**
 * Waits, in 2-second looks and at most `maxWaitMs`, until other processes use less than `thresholdCores`;
 * returns what the last look saw. Bounded: a machine that never quietens down still gets measured (and the
 * report shows how busy it was).
 */
export async function waitForQuiet(pids: number[], thresholdCores: number, maxWaitMs: number): Promise<number | null> {
  const deadline = Date.now() + maxWaitMs;
  let seen: number | null = null;
  do {
    const from = cpuSample(pids);
    await sleep(2000);
    seen = otherCores(from, cpuSample(pids));
    if (seen === null || seen < thresholdCores) return seen;
  } while (Date.now() < deadline);
  return seen;
}
