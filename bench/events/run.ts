/**
 * `npm run bench:events [-- --events N --rate R --backends pglite,postgres]` → bench/reports/events.md
 *
 * The vendors are the emulators, and their stores are the truth the log is audited against. Three kinds of
 * process, so that each measures what it should: the vendors (bench/events/vendors.ts: the Stripe and HubSpot
 * emulators, whose deliverers time every attempt), ingest and the workers (bench/events/node.ts, as the gateway
 * and `npm start -- worker` run them), and this one, which writes the changes, forges deliveries, kills and
 * restarts, and audits. Changes come at a fixed rate, R a second, N in all, whatever the receiver does (the
 * vendors do not wait for Interchange): half Stripe customers (`POST /v1/customers/:id`), half HubSpot contacts
 * (`PATCH /crm/v3/objects/contacts/:id`), through the emulators' APIs. Each change makes the emulator deliver
 * its webhook to ingest as the vendor does (its signing, its retry schedule while the receiver is down, 10%
 * delivered twice by its duplicate injection); 5% of deliveries are held back 1.5–3 s, so that they reach ingest
 * after a newer change of their entity (out of order), and 2% of changes are followed by a forged delivery (a
 * wrong secret) of a change that never happened. Mid-run, once 40% are applied, the worker is SIGKILLed and
 * restarted: on PostgreSQL the worker process alone (ingest stays up); on PGlite the one process that owns the
 * database (ingest and workers together, as `npm start` runs), so the emulators retry meanwhile. Then the log
 * is audited: every event the emulators emitted is in it, none applied twice, no forged one accepted, and each
 * entity's applied state (entity_state) equals the emulator's own store.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openDatabase, type Database } from '../../platform/index.js';
import { signHubSpotPayload } from '../../subgraphs/crm/webhooks.js';
import { signStripePayload } from '../../subgraphs/payments/webhooks.js';
import { printed, runScript, type ChildRun } from '../../test/kit/worker-process.js';
import { BENCH_SECRETS } from './secrets.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '10000' },
    rate: { type: 'string', default: '100' },
    backends: { type: 'string', default: 'pglite,postgres' },
    // Results of another run (its `result {…}` lines, one per backend) to report beside this one's.
    with: { type: 'string' },
  },
});
const TOTAL = Number(values.events);
const RATE = Number(values.rate);
/** Stripe's `created` has one-second resolution: one entity is not changed twice within this, so "newer" is never a tie. */
const ENTITY_SPACING_MS = 1_500;
/** Per vendor: enough that a free one is always at hand at this rate (a quarter of them busy at most). */
const ENTITIES = Math.min(1000, Math.max(10, Math.floor(TOTAL / 20), Math.ceil(((RATE / 2) * ENTITY_SPACING_MS * 4) / 1000)));
const POSTGRES_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** Attempts begun from the kill until this long after the restarted process is ready are "around the restart". */
const RESTART_SETTLE_MS = 5_000;

/** CPU seconds a process has used so far (Linux: /proc; elsewhere 0, and the report's CPU row says nothing). */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const sortedOf = (list: number[]) => [...list].sort((a, b) => a - b);

function createRandom(seed: number) {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

/** A free port from the OS (port 0): ingest keeps it across restarts, since the vendors' endpoints name it. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** What the vendors' process prints once ready, and answers at the end (bench/events/vendors.ts). */
type Vendors = { stripeUrl: string; hubspotUrl: string; controlUrl: string; stripeSecret: string; customers: string[]; contacts: string[] };
type Seen = {
  /** [epoch ms the attempt began, latency ms] per acknowledged attempt. */
  latencies: Array<[number, number]>;
  failedAttempts: number;
  held: number;
  lagP99: number;
  emitted: { stripe: string[]; hubspot: string[] };
  truth: Record<string, string | null>;
};

type Result = {
  backend: string;
  events: number;
  rate: number;
  writeSeconds: number;
  ingestSeconds: number;
  acksPerSecond: number;
  p50: number;
  p99: number;
  max: number;
  steadyP50: number;
  steadyP99: number;
  steadyMax: number;
  restartSeconds: number;
  serverP50: number;
  serverP99: number;
  appendP50: number;
  appendP99: number;
  vendorLagP99: number;
  ingestLagP99: number;
  eventsPerAppend: number;
  applySeconds: number;
  applyPerSecond: number;
  deliveries: number;
  failedAttempts: number;
  held: number;
  forged: number;
  refused: number;
  killAt: number;
  emitted: number;
  lost: number;
  appliedTwice: number;
  forgedAccepted: number;
  entities: number;
  stateMismatches: number;
  stale: number;
  cpuVendors: number;
  cpuInterchange: number;
  load: string;
};

async function runBackend(backend: 'pglite' | 'postgres'): Promise<Result> {
  const random = createRandom(12345);
  const loadBefore = loadavg()[0]!;
  const schema = `bench_events_${process.pid}`;
  const dataDir = backend === 'pglite' ? mkdtempSync(join(tmpdir(), 'bench-pglite-')) : undefined;
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const children: ChildRun[] = [];

  const vendorsRun = runScript('bench/events/vendors.ts', [], { BENCH_INGEST_URL: base, BENCH_ENTITIES: String(ENTITIES) });
  children.push(vendorsRun);
  await printed(vendorsRun, /ready \{.*\}\n/, 180_000);
  const vendors = JSON.parse(/ready (\{.*\})\n/.exec(vendorsRun.output.join(''))![1]!) as Vendors;
  // CPU used during the run (from each process being ready to its end), by the vendors and by Interchange's processes.
  const cpu = { vendors: -cpuSeconds(vendorsRun.child.pid), interchange: 0 };
  const stripeAuth = { authorization: 'Bearer sk_test_emulator' };
  const hubspotAuth = { authorization: 'Bearer pat-emulator', 'content-type': 'application/json' };

  const env: Record<string, string> = {
    BENCH_PORT: String(port),
    BENCH_STRIPE_SECRET: vendors.stripeSecret,
    ...(backend === 'postgres' ? { DATABASE_URL: POSTGRES_URL, DATABASE_SCHEMA: schema } : { PGLITE_DATA_DIR: dataDir! }),
  };
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  if (backend === 'postgres') {
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; DROP SCHEMA IF EXISTS ${schema}_jobs CASCADE`);
  }
  const timingsDir = mkdtempSync(join(tmpdir(), 'bench-timings-'));
  env.BENCH_TIMINGS_DIR = timingsDir;
  const start = async (mode: string) => {
    const child = runScript('bench/events/node.ts', [mode], env);
    children.push(child);
    await printed(child, mode === 'worker' ? /working/ : /listening (http\S+)/, 180_000);
    cpu.interchange -= cpuSeconds(child.child.pid);
    return child;
  };
  const ingest = await start(backend === 'postgres' ? 'ingest' : 'all');
  let worker = backend === 'postgres' ? await start('worker') : ingest;
  const stats = async (): Promise<Record<string, number> | undefined> => {
    try {
      const response = await fetch(`${base}/internal/events/stats`, { headers: { authorization: `Bearer ${BENCH_SECRETS.admin}` } });
      return ((await response.json()) as { counts: Record<string, number> }).counts;
    } catch {
      return undefined;
    }
  };

  // Forged deliveries: a change that never happened, signed with a wrong secret; resent while ingest is down.
  let forged = 0;
  let refused = 0;
  const forgedIds = new Set<string>();
  const forge = async (index: number, vendor: 'stripe' | 'hubspot', entity: string) => {
    forged++;
    const value = `forged ${index}`;
    const id = vendor === 'stripe' ? `evt_forged_${index}` : String(90_000_000 + index);
    forgedIds.add(id);
    const url = `${base}/webhooks/${vendor}`;
    for (;;) {
      const body =
        vendor === 'stripe'
          ? JSON.stringify({
              id,
              object: 'event',
              type: 'customer.updated',
              created: Math.floor(Date.now() / 1000),
              data: { object: { id: entity, object: 'customer', email: 'forged@example.com', name: value } },
            })
          : JSON.stringify([
              {
                eventId: Number(id),
                subscriptionId: 1,
                portalId: 62515,
                appId: 1000001,
                occurredAt: Date.now(),
                subscriptionType: 'contact.propertyChange',
                attemptNumber: 0,
                objectId: Number(entity),
                changeSource: 'API',
                propertyName: 'firstname',
                propertyValue: value,
              },
            ]);
      const headers =
        vendor === 'stripe'
          ? { 'stripe-signature': signStripePayload({ payload: body, secret: 'whsec_forged' }) }
          : signHubSpotPayload({ url, payload: body, secret: 'not-the-client-secret' });
      try {
        const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
        await response.arrayBuffer();
        if (response.status === 401) refused++;
        if (response.status < 500) return;
      } catch {
        /* down: try again */
      }
      await sleep(200);
    }
  };

  // The changes, at RATE a second from the start, whatever the receiver does.
  const lastWrite = new Map<string, number>();
  // An entity not changed within ENTITY_SPACING_MS, at random; when every one was, wait (on a timer) for the first to come free.
  const pick = async (vendor: string, pool: readonly string[]): Promise<string> => {
    for (;;) {
      const now = Date.now();
      const since = (entity: string) => now - (lastWrite.get(`${vendor}:${entity}`) ?? 0);
      const free = pool.filter((entity) => since(entity) >= ENTITY_SPACING_MS);
      if (free.length > 0) {
        const entity = free[Math.floor(random() * free.length)]!;
        lastWrite.set(`${vendor}:${entity}`, now);
        return entity;
      }
      await sleep(ENTITY_SPACING_MS - Math.max(...pool.map(since)) + 1);
    }
  };
  const change = async (index: number) => {
    const vendor = index % 2 === 0 ? 'stripe' : 'hubspot';
    const entity = await pick(vendor, vendor === 'stripe' ? vendors.customers : vendors.contacts);
    const value = `value ${index}`;
    const response =
      vendor === 'stripe'
        ? await fetch(`${vendors.stripeUrl}/v1/customers/${entity}`, {
            method: 'POST',
            headers: stripeAuth,
            body: new URLSearchParams({ name: value }),
          })
        : await fetch(`${vendors.hubspotUrl}/crm/v3/objects/contacts/${entity}`, {
            method: 'PATCH',
            headers: hubspotAuth,
            body: JSON.stringify({ properties: { firstname: value } }),
          });
    if (!response.ok) throw new Error(`${vendor} write failed: ${response.status} ${await response.text()}`);
    await response.arrayBuffer();
    if (random() < 0.02) await forge(index, vendor, entity);
  };
  const started = Date.now();
  let failure: unknown;
  const writing = (async () => {
    const pending: Promise<void>[] = [];
    for (let index = 0; index < TOTAL; index++) {
      const due = started + (index * 1000) / RATE;
      if (Date.now() < due) await sleep(due - Date.now());
      pending.push(change(index).catch((error: unknown) => void (failure ??= error)));
    }
    await Promise.all(pending);
    if (failure) throw failure;
    return (Date.now() - started) / 1000;
  })();

  // The kill: once 40% of the changes are applied, SIGKILL the worker, then start it again.
  let killAt = 0;
  let killedAt = 0;
  let restartedAt = 0;
  for (;;) {
    const counts = await stats();
    const done = counts ? (counts.applied ?? 0) + (counts.stale ?? 0) : 0;
    if (done >= TOTAL * 0.4) {
      killAt = done;
      killedAt = Date.now();
      cpu.interchange += cpuSeconds(worker.child.pid);
      worker.child.kill('SIGKILL');
      await worker.exited;
      worker = await start(backend === 'postgres' ? 'worker' : 'all');
      restartedAt = Date.now();
      break;
    }
    // Each look counts the log in the ingest process (on PGlite, on the thread that also acknowledges): not too often.
    await sleep(500);
  }
  const writeSeconds = await writing;
  // Every delivery acknowledged (or given up): what the vendors saw.
  const seen = (await (await fetch(`${vendors.controlUrl}/finish`)).json()) as Seen;
  const ingestSeconds = (Date.now() - started) / 1000;
  const emitted = seen.emitted.stripe.length + seen.emitted.hubspot.length;
  for (;;) {
    const counts = await stats();
    if (counts && (counts.applied ?? 0) + (counts.stale ?? 0) >= emitted) break;
    await sleep(500);
  }
  const applySeconds = (Date.now() - started) / 1000;
  for (const child of children) {
    if (child.child.exitCode !== null || child.child.signalCode !== null) continue;
    cpu[child === vendorsRun ? 'vendors' : 'interchange'] += cpuSeconds(child.child.pid);
    child.child.kill('SIGTERM');
  }
  await Promise.all(children.map((child) => child.exited));
  const timings = { request: [] as number[], append: [] as number[], batch: [] as number[], lagP99: [] as number[] };
  // Each process writes its own file (its stdout and stderr share one stream here, which can split a line).
  for (const file of readdirSync(timingsDir)) {
    const parsed = JSON.parse(readFileSync(join(timingsDir, file), 'utf8')) as typeof timings;
    for (const key of ['request', 'append', 'batch', 'lagP99'] as const) timings[key].push(...parsed[key]);
  }
  rmSync(timingsDir, { recursive: true, force: true });

  // Audit: the log and entity_state, straight from the database, against the emulators' stores.
  const db: Database = await openDatabase(backend === 'postgres' ? { url: POSTGRES_URL, schema } : { dataDir });
  const { rows: logged } = await db.query<{ vendor: string; vendor_event_id: string; applications: number; status: string }>(
    'SELECT vendor, vendor_event_id, applications, status FROM event_log',
  );
  const { rows: states } = await db.query<{ vendor: string; entity: string; state: { name?: string; value?: string } }>(
    'SELECT vendor, entity, state FROM entity_state',
  );
  await db.close();
  const inLog = new Set(logged.map((row) => `${row.vendor}:${row.vendor_event_id}`));
  const applied = new Map(states.map((row) => [`${row.vendor}:${row.entity}`, row.state.name ?? row.state.value]));
  let stateMismatches = 0;
  let entities = 0;
  for (const [key] of lastWrite) {
    const [vendor, entity] = key.split(':') as ['stripe' | 'hubspot', string];
    const logKey = vendor === 'stripe' ? `stripe:customer:${entity}` : `hubspot:contact:${entity}:firstname`;
    entities++;
    if (applied.get(logKey) !== seen.truth[logKey]) stateMismatches++;
  }
  const lost =
    seen.emitted.stripe.filter((id) => !inLog.has(`stripe:${id}`)).length +
    seen.emitted.hubspot.filter((id) => !inLog.has(`hubspot:${id}`)).length;

  if (backend === 'postgres') {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; DROP SCHEMA IF EXISTS ${schema}_jobs CASCADE`);
    await admin.end();
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  // BENCH_LATENCIES_DIR=<dir>: every acknowledged attempt's start and latency, with the kill and restart times, for a closer look.
  if (process.env.BENCH_LATENCIES_DIR)
    writeFileSync(
      join(process.env.BENCH_LATENCIES_DIR, `latencies-${backend}.json`),
      JSON.stringify({ killedAt, restartedAt, started, latencies: seen.latencies }),
    );
  const latencies = sortedOf(seen.latencies.map(([, ms]) => ms));
  // Away from the restart: attempts begun before the kill or once the restarted process had settled.
  const steady = sortedOf(seen.latencies.filter(([at]) => at < killedAt || at > restartedAt + RESTART_SETTLE_MS).map(([, ms]) => ms));
  const server = sortedOf(timings.request);
  const append = sortedOf(timings.append);
  return {
    backend,
    events: TOTAL,
    rate: RATE,
    writeSeconds,
    ingestSeconds,
    acksPerSecond: latencies.length / ingestSeconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1] ?? 0,
    steadyP50: percentile(steady, 50),
    steadyP99: percentile(steady, 99),
    steadyMax: steady[steady.length - 1] ?? 0,
    restartSeconds: (restartedAt - killedAt) / 1000,
    serverP50: percentile(server, 50),
    serverP99: percentile(server, 99),
    appendP50: percentile(append, 50),
    appendP99: percentile(append, 99),
    vendorLagP99: seen.lagP99,
    ingestLagP99: Math.max(0, ...timings.lagP99),
    eventsPerAppend: timings.batch.reduce((sum, n) => sum + n, 0) / Math.max(1, timings.batch.length),
    applySeconds,
    applyPerSecond: emitted / applySeconds,
    deliveries: latencies.length,
    failedAttempts: seen.failedAttempts,
    held: seen.held,
    forged,
    refused,
    killAt,
    emitted,
    lost,
    appliedTwice: logged.filter((row) => row.applications > 1).length,
    forgedAccepted: logged.filter((row) => forgedIds.has(row.vendor_event_id)).length,
    entities,
    stateMismatches,
    stale: logged.filter((row) => row.status === 'stale').length,
    cpuVendors: cpu.vendors,
    cpuInterchange: cpu.interchange,
    load: `${loadBefore.toFixed(1)} → ${loadavg()[0]!.toFixed(1)}`,
  };
}

const results: Result[] = values.with
  ? readFileSync(values.with, 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('result '))
      .map((line) => JSON.parse(line.slice('result '.length)) as Result)
  : [];
for (const backend of values.backends!.split(',').filter(Boolean) as Array<'pglite' | 'postgres'>) {
  console.log(`running ${backend}…`);
  const result = await runBackend(backend);
  console.log(`result ${JSON.stringify(result)}`);
  results.push(result);
}

const row = (label: string, pick: (result: Result) => string) => `| ${label} | ${results.map(pick).join(' | ')} |`;
const ms = (value: number) => value.toFixed(1);
const rate = results[0]?.rate ?? RATE;
const report = `# Events benchmark

\`npm run bench:events -- --events ${TOTAL} --rate ${rate}\` on ${new Date().toISOString().slice(0, 10)}, on a 2-core machine shared with
other work: the load average (1 min) at the start and end of each run is in the table; on a quiet machine it stays below 2.

Three kinds of process, so that each measures what it should. **The vendors** (\`bench/events/vendors.ts\`): the Stripe and
HubSpot emulators alone, whose webhook deliverers time every attempt. **Interchange** (\`bench/events/node.ts\`): ingest (the
events router on a bare express server, as the gateway mounts it) and the workers; on PostgreSQL two processes, on PGlite the
one process that owns the embedded database, as \`npm start\` runs it. **The load** (\`bench/events/run.ts\`): ${TOTAL} changes at
${rate} a second through the emulators' APIs, whatever the receiver does (the vendors do not wait for Interchange): half Stripe
\`POST /v1/customers/:id\`, half HubSpot \`PATCH /crm/v3/objects/contacts/:id\`, over ${ENTITIES} customers and ${ENTITIES} contacts, one entity not
changed twice within ${ENTITY_SPACING_MS / 1000} s (Stripe's \`created\` has one-second resolution). Each change makes the emulator deliver its
signed webhook as the vendor does (its retry schedule while ingest is down; 10% delivered twice by its duplicate injection); 5%
of deliveries are held back 1.5–3 s (out of order), and 2% of changes are followed by a forged delivery (wrong secret). Once 40%
of the events are applied the worker is SIGKILLed and started again: on PostgreSQL the worker process alone (ingest keeps
answering); on PGlite the process that owns the database, so the emulators retry until it is back. Then the audit.

| | ${results.map((result) => (result.backend === 'pglite' ? 'PGlite (embedded)' : 'PostgreSQL')).join(' | ')} |
|---|${results.map(() => '---').join('|')}|
${row('vendor changes (events) in this run, at events/s', (r) => `${r.events} at ${r.rate}`)}
${row('load average (1 min), start → end of the run', (r) => r.load)}
${row('acknowledged deliveries', (r) => String(r.deliveries))}
${row('ingest throughput (acks/s, first change to last ack)', (r) => r.acksPerSecond.toFixed(0))}
${row('**ack latency at the vendor, p50 / p99 (ms)**', (r) => `**${ms(r.p50)} / ${ms(r.p99)}**`)}
${row('… max (ms)', (r) => ms(r.max))}
${row(`… away from the restart (not from the kill to ${RESTART_SETTLE_MS / 1000} s after it), p50 / p99 / max (ms)`, (r) => `${ms(r.steadyP50)} / ${ms(r.steadyP99)} / ${ms(r.steadyMax)}`)}
${row('… of which inside the ingest process, p50 / p99 (ms)', (r) => `${ms(r.serverP50)} / ${ms(r.serverP99)}`)}
${row('… of which the append+enqueue statement, p50 / p99 (ms)', (r) => `${ms(r.appendP50)} / ${ms(r.appendP99)}`)}
${row("event-loop delay p99: the vendors' / ingest's (ms)", (r) => `${ms(r.vendorLagP99)} / ${ms(r.ingestLagP99)}`)}
${row("CPU per 1,000 events (s): the vendors' / Interchange's processes (PostgreSQL's own not counted)", (r) => `${((r.cpuVendors * 1000) / r.events).toFixed(1)} / ${((r.cpuInterchange * 1000) / r.events).toFixed(1)}`)}
${row('events per append statement (group commit), mean', (r) => r.eventsPerAppend.toFixed(1))}
${row('apply throughput (events/s, first change to all applied)', (r) => r.applyPerSecond.toFixed(0))}
${row('wall time: changes written / all acknowledged / all applied (s)', (r) => `${r.writeSeconds.toFixed(1)} / ${r.ingestSeconds.toFixed(1)} / ${r.applySeconds.toFixed(1)}`)}
${row('restart: from SIGKILL to the new process ready (s)', (r) => r.restartSeconds.toFixed(1))}
${row('delivery attempts failed (ingest down) and retried by the emulator', (r) => String(r.failedAttempts))}
${row('deliveries held back (out of order)', (r) => String(r.held))}
${row('recorded stale (older than applied)', (r) => String(r.stale))}
${row('forged deliveries sent / refused (401)', (r) => `${r.forged} / ${r.refused}`)}
${row('events done when killed', (r) => String(r.killAt))}
${row('events the emulators emitted', (r) => String(r.emitted))}
${row('**audit: lost** (emitted, not in the log)', (r) => `**${r.lost}**`)}
${row('**audit: applied twice**', (r) => `**${r.appliedTwice}**`)}
${row('**audit: forged accepted**', (r) => `**${r.forgedAccepted}**`)}
${row("**audit: entities whose applied state differs from the emulator's store**", (r) => `**${r.stateMismatches}** of ${r.entities}`)}

Ack latency is measured at the emulator's deliverer, from signing the attempt to reading the answer, for every acknowledged
attempt (duplicates and retries included; an attempt refused while ingest was down counts among the failed ones, its successful
retry among the latencies); "inside the ingest process" is from the request's arrival to its answer; the append statement
appends the events of every delivery that arrived while the previous one was being written, and enqueues their apply jobs
(events/group-commit.ts, events/log.ts). The timings inside the processes come from the processes that ran to the end
(on PGlite, the one started after the kill).
`;
writeFileSync(new URL('../reports/events.md', import.meta.url), report);
console.log(report);
process.exit(0);
