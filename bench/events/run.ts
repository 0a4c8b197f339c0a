/**
 * `npm run bench:events [-- --events N --concurrency C --backends pglite,postgres]` → bench/reports/events.md
 *
 * The benchmark plays the vendors: N events (half Stripe `customer.updated`, half HubSpot property changes) over
 * a set of entities, each a signed delivery as the vendor sends it, with 10% delivered twice, 5% delivered after
 * a newer event of the same entity (out of order), and 2% forged (wrong secret). Deliveries that fail (the
 * process is down) are retried, as vendors do. Mid-run, once 40% are applied, the worker is SIGKILLed and
 * restarted: on PostgreSQL the worker process alone (ingest stays up); on PGlite the one process that owns the
 * database (ingest and workers together, as `npm start` runs). Then the log is audited against the truth the
 * sender generated: every valid event present, none applied twice, no forged one accepted, and each entity's
 * applied state equal to its newest event.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
    concurrency: { type: 'string', default: '16' },
    backends: { type: 'string', default: 'pglite,postgres' },
  },
});
const TOTAL = Number(values.events);
const CONCURRENCY = Number(values.concurrency);
const POSTGRES_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

type Delivery = { vendor: 'stripe' | 'hubspot'; id: string; entity: string; value: string; occurredAt: number; forged: boolean };

/** Deterministic event stream: the same N gives the same deliveries on both backends. */
function generate(total: number): { deliveries: Delivery[]; truth: Map<string, string>; validIds: Set<string>; forgedIds: Set<string> } {
  let seed = 12345;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const entities = Math.max(10, Math.floor(total / 10));
  const base = Date.now() - 120_000;
  const events: Delivery[] = [];
  for (let index = 0; index < total; index++) {
    const vendor = index % 2 === 0 ? 'stripe' : 'hubspot';
    const n = Math.floor(random() * entities);
    // Distinct times per event (Stripe's are whole seconds), so "newest" is never a tie.
    const occurredAt = vendor === 'stripe' ? Math.floor(base / 1000) - total + index : base - total + index;
    events.push({
      vendor,
      id: vendor === 'stripe' ? `evt_bench_${index}` : String(10_000_000 + index),
      entity: vendor === 'stripe' ? `cus_bench_${n}` : String(100_000 + n),
      value: `value ${index}`,
      occurredAt,
      forged: random() < 0.02,
    });
  }
  const truth = new Map<string, string>();
  for (const event of events) if (!event.forged) truth.set(`${event.vendor}:${event.entity}`, event.value);
  const deliveries = [...events];
  // 5% out of order: moved after a later event of the same entity.
  for (let index = 0; index < deliveries.length; index++) {
    if (random() >= 0.05) continue;
    const later = deliveries.findIndex(
      (other, position) => position > index && other.vendor === deliveries[index]!.vendor && other.entity === deliveries[index]!.entity,
    );
    if (later > index) deliveries.splice(later, 0, deliveries.splice(index, 1)[0]!);
  }
  // 10% delivered twice, the second time somewhat later.
  for (const event of events.filter(() => random() < 0.1))
    deliveries.splice(Math.min(deliveries.length, deliveries.indexOf(event) + 1 + Math.floor(random() * 50)), 0, event);
  return {
    deliveries,
    truth,
    validIds: new Set(events.filter((e) => !e.forged).map((e) => `${e.vendor}:${e.id}`)),
    forgedIds: new Set(events.filter((e) => e.forged).map((e) => `${e.vendor}:${e.id}`)),
  };
}

function request(base: string, delivery: Delivery): { url: string; body: string; headers: Record<string, string> } {
  if (delivery.vendor === 'stripe') {
    const body = JSON.stringify({
      id: delivery.id,
      object: 'event',
      type: 'customer.updated',
      created: delivery.occurredAt,
      data: { object: { id: delivery.entity, object: 'customer', email: `${delivery.entity}@example.com`, name: delivery.value } },
    });
    const signature = signStripePayload({ payload: body, secret: delivery.forged ? 'whsec_forged' : BENCH_SECRETS.stripe });
    return { url: `${base}/webhooks/stripe`, body, headers: { 'stripe-signature': signature } };
  }
  const url = `${base}/webhooks/hubspot`;
  const body = JSON.stringify([
    {
      eventId: Number(delivery.id),
      subscriptionId: 1,
      portalId: 1,
      appId: 1,
      occurredAt: delivery.occurredAt,
      subscriptionType: 'contact.propertyChange',
      attemptNumber: 0,
      objectId: Number(delivery.entity),
      changeSource: 'API',
      propertyName: 'firstname',
      propertyValue: delivery.value,
    },
  ]);
  return {
    url,
    body,
    headers: signHubSpotPayload({ url, payload: body, secret: delivery.forged ? 'wrong-secret' : BENCH_SECRETS.hubspot }),
  };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

type Result = {
  backend: string;
  ingestSeconds: number;
  ingestPerSecond: number;
  p50: number;
  p99: number;
  applySeconds: number;
  applyPerSecond: number;
  retries: number;
  refused: number;
  killAt: number;
  lost: number;
  appliedTwice: number;
  forgedAccepted: number;
  stateMismatches: number;
  stale: number;
};

async function runBackend(backend: 'pglite' | 'postgres', plan: ReturnType<typeof generate>): Promise<Result> {
  const schema = `bench_events_${process.pid}`;
  const dataDir = backend === 'pglite' ? mkdtempSync(join(tmpdir(), 'bench-pglite-')) : undefined;
  const env: Record<string, string> =
    backend === 'postgres' ? { DATABASE_URL: POSTGRES_URL, DATABASE_SCHEMA: schema } : { PGLITE_DATA_DIR: dataDir! };
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  if (backend === 'postgres') {
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; DROP SCHEMA IF EXISTS ${schema}_jobs CASCADE`);
  }
  const children: ChildRun[] = [];
  const start = async (mode: string) => {
    const child = runScript('bench/events/node.ts', [mode], env);
    children.push(child);
    await printed(child, mode === 'worker' ? /working/ : /listening (http\S+)/, 180_000);
    return child;
  };
  const urlOf = (child: ChildRun) => /listening (http\S+)/.exec(child.output.join(''))![1]!;

  let ingest = await start(backend === 'postgres' ? 'ingest' : 'all');
  let base = urlOf(ingest);
  let worker = backend === 'postgres' ? await start('worker') : ingest;
  const stats = async (): Promise<Record<string, number> | undefined> => {
    try {
      const response = await fetch(`${base}/internal/events/stats`, { headers: { authorization: `Bearer ${BENCH_SECRETS.admin}` } });
      return ((await response.json()) as { counts: Record<string, number> }).counts;
    } catch {
      return undefined;
    }
  };

  const latencies: number[] = [];
  let retries = 0;
  let refused = 0;
  let next = 0;
  const started = Date.now();
  const sender = async () => {
    while (next < plan.deliveries.length) {
      const delivery = plan.deliveries[next++]!;
      for (;;) {
        const { url, body, headers } = request(base, delivery);
        const sentAt = performance.now();
        try {
          const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
          await response.arrayBuffer();
          if (response.status === 401) {
            refused++;
            break;
          }
          if (response.ok) {
            latencies.push(performance.now() - sentAt);
            break;
          }
        } catch {
          /* the process is down: retry, as the vendor would */
        }
        retries++;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  };
  const senders = Promise.all(Array.from({ length: CONCURRENCY }, sender));

  // The kill: once 40% of the valid events are applied, SIGKILL the worker, then start it again.
  const target = plan.validIds.size;
  let killAt = 0;
  for (;;) {
    const counts = await stats();
    const done = counts ? (counts.applied ?? 0) + (counts.stale ?? 0) : 0;
    if (done >= target * 0.4) {
      killAt = done;
      worker.child.kill('SIGKILL');
      await worker.exited;
      if (backend === 'postgres') worker = await start('worker');
      else {
        ingest = worker = await start('all');
        base = urlOf(ingest);
      }
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await senders;
  const ingestSeconds = (Date.now() - started) / 1000;
  for (;;) {
    const counts = await stats();
    if (counts && (counts.applied ?? 0) + (counts.stale ?? 0) >= target) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const applySeconds = (Date.now() - started) / 1000;
  for (const child of children) if (child.child.exitCode === null && child.child.signalCode === null) child.child.kill('SIGTERM');
  await Promise.all(children.map((child) => child.exited));

  // Audit, straight from the database.
  const db: Database = await openDatabase(backend === 'postgres' ? { url: POSTGRES_URL, schema } : { dataDir });
  const { rows: logged } = await db.query<{ vendor: string; vendor_event_id: string; applications: number; status: string }>(
    'SELECT vendor, vendor_event_id, applications, status FROM event_log',
  );
  const { rows: states } = await db.query<{ vendor: string; entity: string; state: { name?: string; value?: string } }>(
    'SELECT vendor, entity, state FROM entity_state',
  );
  await db.close();
  const loggedIds = new Set(logged.map((row) => `${row.vendor}:${row.vendor_event_id}`));
  const applied = new Map(
    states.map((row) => [
      `${row.vendor}:${row.entity.replace(/^customer:/, '').replace(/^contact:(\d+):firstname$/, '$1')}`,
      row.state.name ?? row.state.value,
    ]),
  );
  let stateMismatches = 0;
  for (const [entity, value] of plan.truth) if (applied.get(entity) !== value) stateMismatches++;
  if (backend === 'postgres') {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; DROP SCHEMA IF EXISTS ${schema}_jobs CASCADE`);
    await admin.end();
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    backend,
    ingestSeconds,
    ingestPerSecond: latencies.length / ingestSeconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    applySeconds,
    applyPerSecond: target / applySeconds,
    retries,
    refused,
    killAt,
    lost: [...plan.validIds].filter((id) => !loggedIds.has(id)).length,
    appliedTwice: logged.filter((row) => row.applications > 1).length,
    forgedAccepted: [...plan.forgedIds].filter((id) => loggedIds.has(id)).length,
    stateMismatches,
    stale: logged.filter((row) => row.status === 'stale').length,
  };
}

const plan = generate(TOTAL);
const results: Result[] = [];
for (const backend of values.backends!.split(',') as Array<'pglite' | 'postgres'>) {
  console.log(`running ${backend}…`);
  const result = await runBackend(backend, plan);
  console.log(result);
  results.push(result);
}

const duplicates = plan.deliveries.length - TOTAL;
const row = (label: string, pick: (result: Result) => string) => `| ${label} | ${results.map(pick).join(' | ')} |`;
const report = `# Events benchmark

\`npm run bench:events -- --events ${TOTAL} --concurrency ${CONCURRENCY}\` on ${new Date().toISOString().slice(0, 10)}, a 2-core machine shared with other work.

${TOTAL} vendor events (half Stripe \`customer.updated\`, half HubSpot \`contact.propertyChange\`) over ${Math.max(10, Math.floor(TOTAL / 10))} entities;
${plan.deliveries.length} deliveries: ${duplicates} duplicates (10%), about 5% moved after a newer event of their entity, ${plan.forgedIds.size} forged (2%, wrong secret).
${CONCURRENCY} concurrent senders; a delivery that fails (process down) is retried every 200 ms, as a vendor retries.
The worker is SIGKILLed once 40% of the events are applied and started again: on PostgreSQL the worker process alone
(ingest keeps answering); on PGlite the one process that owns the embedded database (ingest and workers together).
Ingest is the events router on a bare express server (the gateway mounts the same router).

| | ${results.map((result) => (result.backend === 'pglite' ? 'PGlite (embedded)' : 'PostgreSQL')).join(' | ')} |
|---|${results.map(() => '---').join('|')}|
${row('ingest throughput (acks/s)', (r) => r.ingestPerSecond.toFixed(0))}
${row('ack latency p50 (ms)', (r) => r.p50.toFixed(1))}
${row('ack latency p99 (ms)', (r) => r.p99.toFixed(1))}
${row('apply throughput (events/s, start to all applied)', (r) => r.applyPerSecond.toFixed(0))}
${row('wall time to all applied (s)', (r) => r.applySeconds.toFixed(1))}
${row('deliveries retried while down', (r) => String(r.retries))}
${row('forged deliveries refused (401)', (r) => String(r.refused))}
${row('events done when killed', (r) => String(r.killAt))}
${row('recorded stale (older than applied)', (r) => String(r.stale))}
${row('**audit: lost**', (r) => `**${r.lost}**`)}
${row('**audit: applied twice**', (r) => `**${r.appliedTwice}**`)}
${row('**audit: forged accepted**', (r) => `**${r.forgedAccepted}**`)}
${row("**audit: entities whose final state differs from the vendor's newest**", (r) => `**${r.stateMismatches}**`)}

The truth audited against is the sender's own record of what it sent (the newest valid event per entity), not an
emulator's store: the benchmark generates the vendors' traffic itself so that duplicates, reordering and forgeries are
exact counts.
`;
writeFileSync(new URL('../reports/events.md', import.meta.url), report);
console.log(report);
process.exit(0);
