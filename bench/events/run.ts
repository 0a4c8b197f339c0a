/**
 * `npm run bench:events [-- --events N --concurrency C --backends pglite,postgres]` → bench/reports/events.md
 *
 * The vendors are the emulators, and their stores are the truth the log is audited against. C writers change
 * Stripe customers (`POST /v1/customers/:id`) and HubSpot contacts (`PATCH /crm/v3/objects/contacts/:id`)
 * through the emulators' APIs, N changes in all; each change makes the emulator deliver its webhook to the
 * ingest process as the vendor does (its signing, its retry schedule while the receiver is down, 10% delivered
 * twice by its duplicate injection), and each writer waits for its change's delivery to be acknowledged before
 * the next one, so about C deliveries are in flight. 5% of deliveries are held back 1.5–3 s, so that they reach
 * ingest after a newer change of their entity (out of order), and 2% of changes are followed by a forged
 * delivery (a wrong secret) of a change that never happened. Mid-run, once 40% are applied, the worker is
 * SIGKILLed and restarted: on PostgreSQL the worker process alone (ingest stays up); on PGlite the one process
 * that owns the database (ingest and workers together, as `npm start` runs), so the emulators retry meanwhile.
 * Then the log is audited: every event the emulators emitted is in it, none applied twice, no forged one
 * accepted, and each entity's applied state (entity_state) equals the emulator's own store.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { DeliveryAttempt, Deliverer } from '../../emulators/shared/delivery.js';
import { createHubSpotEmulator, type HubSpotEmulator } from '../../emulators/hubspot/index.js';
import { createStripeEmulator, type StripeEmulator } from '../../emulators/stripe/index.js';
import { openDatabase, type Database } from '../../platform/index.js';
import { signHubSpotPayload } from '../../subgraphs/crm/webhooks.js';
import { signStripePayload } from '../../subgraphs/payments/webhooks.js';
import { printed, runScript, type ChildRun } from '../../test/kit/worker-process.js';
import { BENCH_SECRETS } from './secrets.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '16' },
    backends: { type: 'string', default: 'pglite,postgres' },
    // Results of another run (its `result {…}` lines, one per backend) to report beside this one's, for runs
    // of the two backends made at the same time in two processes.
    with: { type: 'string' },
  },
});
const TOTAL = Number(values.events);
const CONCURRENCY = Number(values.concurrency);
const ENTITIES = Math.min(1000, Math.max(10, Math.floor(TOTAL / 20)));
const POSTGRES_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** Stripe's `created` has one-second resolution: one entity is not changed twice within this, so "newer" is never a tie. */
const ENTITY_SPACING_MS = 1_500;
/** The emulators retry a failed delivery on this schedule (compressed): about three minutes of retrying in all. */
const RETRY_SCHEDULE_MS = [200, 500, 1_000, ...Array.from({ length: 90 }, () => 2_000)];

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

type Tracker = {
  latencies: number[];
  failedAttempts: number;
  held: number;
  /** Every vendor event id the emulator delivered (its own record of what happened). */
  emitted: Set<string>;
  /** Resolves when the delivery carrying this written value is acknowledged (or was held back). */
  acked(value: string): Promise<void>;
  heldPending(): number;
};

/**
 * Watches one emulator's deliverer: when each attempt starts (its headers are signed just before the POST) and
 * ends (the deliverer records it), so ack latency is measured on the vendor's side of the wire; holds back a
 * share of first deliveries to reorder them; and resolves the writer waiting for its change.
 */
function track(deliverer: Deliverer, read: (body: string) => Array<{ id: string; value: string }>, random: () => number): Tracker {
  const starts = new Map<string, number[]>();
  const labels = new Map<string, string[]>();
  const waiters = new Map<string, () => void>();
  const done = new Set<string>();
  let heldNow = 0;
  const tracker: Tracker = {
    latencies: [],
    failedAttempts: 0,
    held: 0,
    emitted: new Set(),
    acked: (value) => (done.has(value) ? Promise.resolve() : new Promise((resolve) => waiters.set(value, resolve))),
    heldPending: () => heldNow,
  };
  const release = (value: string) => {
    done.add(value);
    waiters.get(value)?.();
    waiters.delete(value);
  };
  const attempts = deliverer.attempts as DeliveryAttempt[];
  const push = attempts.push.bind(attempts);
  attempts.push = (...items: DeliveryAttempt[]) => {
    const now = performance.now();
    for (const item of items) {
      const started = starts.get(item.label)?.shift();
      if (item.status >= 200 && item.status < 300) {
        if (started !== undefined) tracker.latencies.push(now - started);
        for (const value of labels.get(item.label) ?? []) release(value);
      } else tracker.failedAttempts++;
    }
    return push(...items);
  };
  const deliver = deliverer.deliver.bind(deliverer);
  deliverer.deliver = (request) => {
    const events = read(request.body(1));
    for (const event of events) tracker.emitted.add(event.id);
    labels.set(
      request.label,
      events.map((event) => event.value),
    );
    const timed = {
      ...request,
      headers: (body: string, attempt: number) => {
        const list = starts.get(request.label) ?? [];
        list.push(performance.now());
        starts.set(request.label, list);
        return request.headers(body, attempt);
      },
    };
    if (random() < 0.05) {
      tracker.held++;
      heldNow++;
      for (const event of events) release(event.value);
      setTimeout(
        () => {
          heldNow--;
          deliver(timed);
        },
        1_500 + random() * 1_500,
      );
    } else deliver(timed);
  };
  return tracker;
}

type Result = {
  backend: string;
  events: number;
  ingestSeconds: number;
  acksPerSecond: number;
  p50: number;
  p99: number;
  serverP50: number;
  serverP99: number;
  appendP50: number;
  appendP99: number;
  benchLagP99: number;
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
};

async function runBackend(backend: 'pglite' | 'postgres'): Promise<Result> {
  const random = createRandom(12345);
  const schema = `bench_events_${process.pid}`;
  const dataDir = backend === 'pglite' ? mkdtempSync(join(tmpdir(), 'bench-pglite-')) : undefined;
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const delivery = { retryScheduleMs: RETRY_SCHEDULE_MS, duplicateRate: 0.1, timeoutMs: 30_000 };
  const stripe: StripeEmulator = createStripeEmulator({ seedData: false, rateLimitPerSecond: 0, searchLagMs: 0, webhooks: delivery });
  const hubspot: HubSpotEmulator = createHubSpotEmulator({
    tenSecondlyLimit: 0,
    oauth: { clientSecret: BENCH_SECRETS.hubspot },
    webhooks: { ...delivery, batchWindowMs: 0 },
  });
  const [stripeUrl, hubspotUrl] = await Promise.all([stripe.listen(0), hubspot.listen(0)]);
  const stripeAuth = { authorization: 'Bearer sk_test_emulator' };
  const hubspotAuth = { authorization: 'Bearer pat-emulator', 'content-type': 'application/json' };

  // The vendors' entities: Stripe customers made through the API, HubSpot's seeded contacts.
  const customers: string[] = [];
  for (let index = 0; index < ENTITIES; index++) {
    const response = await fetch(`${stripeUrl}/v1/customers`, {
      method: 'POST',
      headers: stripeAuth,
      body: new URLSearchParams({ email: `bench${index}@example.com`, name: 'initial' }),
    });
    customers.push(((await response.json()) as { id: string }).id);
  }
  const contacts = [...hubspot.store.all('contacts')].slice(0, ENTITIES).map((contact) => contact.id);
  const endpoint = stripe.webhooks.register({ url: `${base}/webhooks/stripe`, enabled_events: ['customer.updated'] });
  hubspot.webhooks.configure({
    targetUrl: `${base}/webhooks/hubspot`,
    subscriptions: [{ eventType: 'contact.propertyChange', propertyName: 'firstname' }],
  });
  const trackers = {
    stripe: track(
      stripe.webhooks.deliverer,
      (body) => {
        const event = JSON.parse(body) as { id: string; data: { object: { name: string } } };
        return [{ id: event.id, value: event.data.object.name }];
      },
      createRandom(7),
    ),
    hubspot: track(
      hubspot.webhooks.deliverer,
      (body) =>
        (JSON.parse(body) as Array<{ eventId: number; propertyValue: string }>).map((e) => ({
          id: String(e.eventId),
          value: e.propertyValue,
        })),
      createRandom(11),
    ),
  };

  const env: Record<string, string> = {
    BENCH_PORT: String(port),
    BENCH_STRIPE_SECRET: endpoint.secret,
    ...(backend === 'postgres' ? { DATABASE_URL: POSTGRES_URL, DATABASE_SCHEMA: schema } : { PGLITE_DATA_DIR: dataDir! }),
  };
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  if (backend === 'postgres') {
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; DROP SCHEMA IF EXISTS ${schema}_jobs CASCADE`);
  }
  const timingsDir = mkdtempSync(join(tmpdir(), 'bench-timings-'));
  env.BENCH_TIMINGS_DIR = timingsDir;
  const children: ChildRun[] = [];
  const start = async (mode: string) => {
    const child = runScript('bench/events/node.ts', [mode], env);
    children.push(child);
    await printed(child, mode === 'worker' ? /working/ : /listening (http\S+)/, 180_000);
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

  // The writers: each change through the emulator's API, then wait for its delivery to be acknowledged.
  const lastWrite = new Map<string, number>();
  let next = 0;
  // An entity not changed within ENTITY_SPACING_MS, at random; when every one was, wait (on a timer) for the
  // first to come free. Never a synchronous retry loop: it held this process's event loop, where acks are timed.
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
  // The benchmark's own event loop measures the acks: how late it runs is part of what it measures.
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const started = Date.now();
  const writer = async () => {
    while (next < TOTAL) {
      const index = next++;
      const vendor = index % 2 === 0 ? 'stripe' : 'hubspot';
      const pool = vendor === 'stripe' ? customers : contacts;
      const entity = await pick(vendor, pool);
      const value = `value ${index}`;
      const response =
        vendor === 'stripe'
          ? await fetch(`${stripeUrl}/v1/customers/${entity}`, {
              method: 'POST',
              headers: stripeAuth,
              body: new URLSearchParams({ name: value }),
            })
          : await fetch(`${hubspotUrl}/crm/v3/objects/contacts/${entity}`, {
              method: 'PATCH',
              headers: hubspotAuth,
              body: JSON.stringify({ properties: { firstname: value } }),
            });
      if (!response.ok) throw new Error(`${vendor} write failed: ${response.status} ${await response.text()}`);
      await response.arrayBuffer();
      await trackers[vendor].acked(value);
      if (random() < 0.02) await forge(index, vendor, entity);
    }
  };
  const writers = Promise.all(Array.from({ length: CONCURRENCY }, writer));

  // The kill: once 40% of the changes are applied, SIGKILL the worker, then start it again.
  let killAt = 0;
  for (;;) {
    const counts = await stats();
    const done = counts ? (counts.applied ?? 0) + (counts.stale ?? 0) : 0;
    if (done >= TOTAL * 0.4) {
      killAt = done;
      worker.child.kill('SIGKILL');
      await worker.exited;
      worker = await start(backend === 'postgres' ? 'worker' : 'all');
      break;
    }
    // Each look counts the log in the ingest process (on PGlite, on the thread that also acknowledges): not too often.
    await sleep(500);
  }
  await writers;
  while (trackers.stripe.heldPending() + trackers.hubspot.heldPending() > 0) await sleep(100);
  await Promise.all([stripe.webhooks.deliverer.idle(), hubspot.webhooks.deliverer.idle()]);
  const ingestSeconds = (Date.now() - started) / 1000;
  lag.disable();
  const emitted = trackers.stripe.emitted.size + trackers.hubspot.emitted.size;
  for (;;) {
    const counts = await stats();
    if (counts && (counts.applied ?? 0) + (counts.stale ?? 0) >= emitted) break;
    await sleep(500);
  }
  const applySeconds = (Date.now() - started) / 1000;
  for (const child of children) if (child.child.exitCode === null && child.child.signalCode === null) child.child.kill('SIGTERM');
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
  // The vendors' truth: Stripe's own event store, and the emulators' stores for each changed entity's value.
  const stripeEvents = stripe.store.events
    .all()
    .filter((event) => event.type === 'customer.updated')
    .map((event) => event.id);
  const truth = new Map<string, string | null | undefined>();
  for (const [key] of lastWrite) {
    const [vendor, entity] = key.split(':') as ['stripe' | 'hubspot', string];
    truth.set(
      vendor === 'stripe' ? `stripe:customer:${entity}` : `hubspot:contact:${entity}:firstname`,
      vendor === 'stripe' ? stripe.store.customers.get(entity)?.name : hubspot.store.get('contacts', entity)?.properties.firstname,
    );
  }
  let stateMismatches = 0;
  for (const [key, value] of truth) if (applied.get(key) !== value) stateMismatches++;
  const lost =
    stripeEvents.filter((id) => !inLog.has(`stripe:${id}`)).length +
    [...trackers.hubspot.emitted].filter((id) => !inLog.has(`hubspot:${id}`)).length;

  await Promise.all([stripe.close(), hubspot.close()]);
  if (backend === 'postgres') {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; DROP SCHEMA IF EXISTS ${schema}_jobs CASCADE`);
    await admin.end();
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  const latencies = sortedOf([...trackers.stripe.latencies, ...trackers.hubspot.latencies]);
  const server = sortedOf(timings.request);
  const append = sortedOf(timings.append);
  return {
    backend,
    events: TOTAL,
    ingestSeconds,
    acksPerSecond: latencies.length / ingestSeconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    serverP50: percentile(server, 50),
    serverP99: percentile(server, 99),
    appendP50: percentile(append, 50),
    appendP99: percentile(append, 99),
    benchLagP99: lag.percentile(99) / 1e6,
    ingestLagP99: Math.max(0, ...timings.lagP99),
    eventsPerAppend: timings.batch.reduce((sum, n) => sum + n, 0) / Math.max(1, timings.batch.length),
    applySeconds,
    applyPerSecond: emitted / applySeconds,
    deliveries: latencies.length,
    failedAttempts: trackers.stripe.failedAttempts + trackers.hubspot.failedAttempts,
    held: trackers.stripe.held + trackers.hubspot.held,
    forged,
    refused,
    killAt,
    emitted: stripeEvents.length + trackers.hubspot.emitted.size,
    lost,
    appliedTwice: logged.filter((row) => row.applications > 1).length,
    forgedAccepted: logged.filter((row) => forgedIds.has(row.vendor_event_id)).length,
    entities: truth.size,
    stateMismatches,
    stale: logged.filter((row) => row.status === 'stale').length,
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
const report = `# Events benchmark

\`npm run bench:events -- --events ${TOTAL} --concurrency ${CONCURRENCY}\` on ${new Date().toISOString().slice(0, 10)}, a 2-core machine
shared with other work (when this was written: 8 agents on 2 cores, load average above 10), so every figure here is
a loaded-machine figure; compare the columns with each other, not with a quiet machine's.

The vendors are the emulators, and their stores are the truth. ${CONCURRENCY} writers make ${TOTAL} changes through the emulators' APIs
(half Stripe \`POST /v1/customers/:id\` over ${ENTITIES} customers, half HubSpot \`PATCH /crm/v3/objects/contacts/:id\` over ${ENTITIES} contacts;
one entity is not changed twice within ${ENTITY_SPACING_MS / 1000} s, since Stripe's \`created\` has one-second resolution). Each change makes the
emulator deliver its signed webhook as the vendor does (its retry schedule while ingest is down; 10% delivered twice by its
duplicate injection), and each writer waits for its delivery's acknowledgement before the next change, so about ${CONCURRENCY} deliveries
are in flight. 5% of deliveries are held back 1.5–3 s (out of order), and 2% of changes are followed by a forged delivery (wrong secret).
Once 40% of the events are applied the worker is SIGKILLed and started again: on PostgreSQL the worker process alone (ingest
keeps answering); on PGlite the one process that owns the embedded database (ingest and workers together), so the emulators
retry until it is back. The emulators, the writers and the measuring run in the benchmark's process; ingest (the events router on a
bare express server, as the gateway mounts it) and the workers in their own.

| | ${results.map((result) => (result.backend === 'pglite' ? 'PGlite (embedded)' : 'PostgreSQL')).join(' | ')} |
|---|${results.map(() => '---').join('|')}|
${row('vendor changes (events) in this run', (r) => String(r.events))}
${row('acknowledged deliveries', (r) => String(r.deliveries))}
${row('ingest throughput (acks/s)', (r) => r.acksPerSecond.toFixed(0))}
${row('ack latency p50, at the vendor (ms)', (r) => ms(r.p50))}
${row('ack latency p99, at the vendor (ms)', (r) => ms(r.p99))}
${row('… of which inside the ingest process, p50 / p99 (ms)', (r) => `${ms(r.serverP50)} / ${ms(r.serverP99)}`)}
${row('… of which the append+enqueue statement, p50 / p99 (ms)', (r) => `${ms(r.appendP50)} / ${ms(r.appendP99)}`)}
${row("event-loop delay p99: the benchmark's (emulators, writers) / ingest's (ms)", (r) => `${ms(r.benchLagP99)} / ${ms(r.ingestLagP99)}`)}
${row('events per append statement (group commit), mean', (r) => r.eventsPerAppend.toFixed(1))}
${row('apply throughput (events/s, start to all applied)', (r) => r.applyPerSecond.toFixed(0))}
${row('wall time to all applied (s)', (r) => r.applySeconds.toFixed(1))}
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
attempt (duplicates included); "inside the ingest process" is from the request's arrival to its answer; the append statement
appends the events of every delivery that arrived while the previous one was being written, and enqueues their apply jobs
(events/group-commit.ts, events/log.ts). The timings inside the processes come from the processes that ran to the end
(on PGlite, the one started after the kill).
`;
writeFileSync(new URL('../reports/events.md', import.meta.url), report);
console.log(report);
process.exit(0);
