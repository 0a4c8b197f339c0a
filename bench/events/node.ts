/**
 * One process of the events benchmark: `ingest` (the webhook routes, as the gateway mounts them), `worker`
 * (apply workers), or `all` (both, as `npm start` runs them; the only choice on PGlite, which one process owns).
 * Prints `listening <url>` / `working` once ready. Database from DATABASE_URL / DATABASE_SCHEMA / PGLITE_DATA_DIR.
 */
import express from 'express';
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createEventPipeline, eventRoutes } from '../../events/index.js';
import { createLogger, createMemoryState, openDatabase, readDatabaseConfig, type Database } from '../../platform/index.js';
import { createHubSpotAdapter } from '../../subgraphs/crm/webhooks.js';
import { createStripeAdapter } from '../../subgraphs/payments/webhooks.js';
import { startProfile } from './profile.js';
import { BENCH_SECRETS } from './secrets.js';

const mode = process.argv[2] ?? 'all';
// BENCH_PROFILE_DIR=<dir>: a CPU profile of this process, written there when it is stopped (SIGTERM).
const profiler = await startProfile(mode);
const log = createLogger({ name: `bench-${mode}`, level: 'warn' });
const database = await openDatabase(readDatabaseConfig(process.env));

// Where an ack's time goes, for the report: the whole request inside this process, and the one statement that
// appends and enqueues (with the number of events it carried: group commit's batch size).
const timings = { request: [] as number[], append: [] as number[], batch: [] as number[], lagP99: [] as number[] };
const lag = monitorEventLoopDelay({ resolution: 10 });
lag.enable();
// BENCH_SQL_STATS=<dir>: also the time and count of every kind of statement, written there on SIGTERM.
const bySql = new Map<string, { count: number; ms: number }>();
const timed = async (text: string, params: readonly unknown[] | undefined, run: () => Promise<{ rows: never[] }>) => {
  const started = performance.now();
  try {
    return await run();
  } finally {
    const took = performance.now() - started;
    if (text.trimStart().startsWith('WITH appended')) {
      timings.append.push(took);
      timings.batch.push((params?.[0] as unknown[] | undefined)?.length ?? 0);
    }
    if (process.env.BENCH_SQL_STATS) {
      const kind = bySql.get(text.replace(/\s+/g, ' ').trim().slice(0, 90)) ?? { count: 0, ms: 0 };
      kind.count++;
      kind.ms += took;
      bySql.set(text.replace(/\s+/g, ' ').trim().slice(0, 90), kind);
    }
  }
};
const db: Database = {
  kind: database.kind,
  schema: database.schema,
  query: (text, params) => timed(text, params, () => database.query(text, params)),
  transaction: (work) => database.transaction((tx) => work({ query: (text, params) => timed(text, params, () => tx.query(text, params)) })),
  close: () => database.close(),
};
const pipeline = await createEventPipeline({
  db,
  state: createMemoryState(),
  log,
  adapters: [
    createStripeAdapter({ webhookSecrets: [process.env.BENCH_STRIPE_SECRET ?? BENCH_SECRETS.stripe] }),
    createHubSpotAdapter({ webhookSecrets: [BENCH_SECRETS.hubspot] }),
  ],
  jobTimeoutSeconds: 3,
  maintenanceSeconds: 1,
  retryDelaySeconds: 1,
  // Ingest alone leaves pg-boss's maintenance to the worker process (which must run it: it expires the killed one's jobs).
  maintenance: mode !== 'ingest',
});
if (mode === 'worker' || mode === 'all') {
  await pipeline.startWorkers({
    concurrency: 2,
    batchSize: 50,
    eventsPerTransaction: Number(process.env.BENCH_PER_TRANSACTION ?? 10),
    reconcileCron: null,
    reconcileAtStart: false,
  });
  console.log('working');
}
if (mode === 'ingest' || mode === 'all') {
  const app = express();
  app.use((_req, res, next) => {
    const started = performance.now();
    res.on('finish', () => timings.request.push(performance.now() - started));
    next();
  });
  app.use(eventRoutes({ pipeline, log, admin: { token: BENCH_SECRETS.admin, production: true } }));
  const server = app.listen(Number(process.env.BENCH_PORT ?? 0), '127.0.0.1', () => {
    console.log(`listening http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
}
process.on('SIGTERM', () => {
  timings.lagP99.push(lag.percentile(99) / 1e6);
  if (process.env.BENCH_TIMINGS_DIR)
    writeFileSync(join(process.env.BENCH_TIMINGS_DIR, `${mode}-${process.pid}.json`), JSON.stringify(timings));
  if (process.env.BENCH_SQL_STATS)
    writeFileSync(
      join(process.env.BENCH_SQL_STATS, `${mode}-${process.pid}.json`),
      JSON.stringify([...bySql].sort((a, b) => b[1].ms - a[1].ms)),
    );
  profiler
    .stop()
    .then(() => pipeline.close())
    .then(() => db.close())
    .then(
      () => process.exit(0),
      () => process.exit(1),
    );
});
