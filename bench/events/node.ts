/**
 * One process of the events benchmark: `ingest` (the webhook routes, as the gateway mounts them), `worker`
 * (apply workers), or `all` (both, as `npm start` runs them; the only choice on PGlite, which one process owns).
 * Prints `listening <url>` / `working` once ready. Database from DATABASE_URL / DATABASE_SCHEMA / PGLITE_DATA_DIR.
 */
import express from 'express';
import type { AddressInfo } from 'node:net';
import { createEventPipeline, eventRoutes } from '../../events/index.js';
import { createLogger, createMemoryState, openDatabase, readDatabaseConfig } from '../../platform/index.js';
import { createHubSpotAdapter } from '../../subgraphs/crm/webhooks.js';
import { createStripeAdapter } from '../../subgraphs/payments/webhooks.js';
import { BENCH_SECRETS } from './secrets.js';

const mode = process.argv[2] ?? 'all';
const log = createLogger({ name: `bench-${mode}`, level: 'warn' });
const db = await openDatabase(readDatabaseConfig(process.env));
const pipeline = await createEventPipeline({
  db,
  state: createMemoryState(),
  log,
  adapters: [
    createStripeAdapter({ webhookSecrets: [BENCH_SECRETS.stripe] }),
    createHubSpotAdapter({ webhookSecrets: [BENCH_SECRETS.hubspot] }),
  ],
  jobTimeoutSeconds: 3,
  maintenanceSeconds: 1,
  retryDelaySeconds: 1,
});
if (mode === 'worker' || mode === 'all') {
  await pipeline.startWorkers({ concurrency: 2, batchSize: 50, reconcileCron: null, reconcileAtStart: false });
  console.log('working');
}
if (mode === 'ingest' || mode === 'all') {
  const app = express();
  app.use(eventRoutes({ pipeline, log, admin: { token: BENCH_SECRETS.admin, production: true } }));
  const server = app.listen(Number(process.env.BENCH_PORT ?? 0), '127.0.0.1', () => {
    console.log(`listening http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
}
process.on('SIGTERM', () => {
  pipeline
    .close()
    .then(() => db.close())
    .then(
      () => process.exit(0),
      () => process.exit(1),
    );
});
