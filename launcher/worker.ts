import { createEventPipeline, readEventsConfig } from '../events/index.js';
import { createSharedState, openDatabase, readDatabaseConfig, type Env, type Logger } from '../platform/index.js';
import { buildAdapters, startAnalyticsSync, startPolling } from './events.js';
import { readSyncConfig } from '../sync/index.js';
import { buildSync } from './sync.js';

/**
 * `npm start -- worker`: event workers alone, against the database the ingesting gateway writes (DATABASE_URL),
 * publishing purges through the shared state (REDIS_URL) so every replica hears them. Any number may run.
 */
export async function startWorker(source: Env, log: Logger): Promise<{ close(): Promise<void>; lines: string[] }> {
  const config = readEventsConfig(source);
  const state = createSharedState(source, log);
  await state.ready();
  const db = await openDatabase(readDatabaseConfig(source));
  // Sync writes through the gateway: apart from it, SYNC_GATEWAY_URL says where it is.
  const sync = buildSync(source, log, db);
  const eventsLog = log.child({ part: 'events' });
  // Catch-up only reaches configured vendors here: a worker alone starts no emulator.
  const adapters = buildAdapters(source, {}, { stripe: [] }, eventsLog);
  const pipeline = await createEventPipeline({
    db,
    ...(sync ? { hooks: sync.engine.hooks } : {}),
    state,
    log: eventsLog,
    adapters,
    retryLimit: config.retryLimit,
    retryDelaySeconds: config.retryDelaySeconds,
    jobTimeoutSeconds: config.jobTimeoutSeconds,
    maintenanceSeconds: config.maintenanceSeconds,
  });
  await sync?.engine.attach(pipeline.boss);
  await pipeline.startWorkers({ concurrency: config.concurrency, reconcileCron: config.reconcileCron });
  await sync?.engine.startWorkers({ concurrency: config.concurrency, auditCron: readSyncConfig(source).auditCron });
  // Vendors without webhooks (the ERP) are polled where the workers run.
  const polling = startPolling(pipeline, adapters, eventsLog);
  // The analytics sync, when Mixpanel is configured: the database's slot keeps every worker to one export per interval.
  const analytics = startAnalyticsSync(source, db, log, state, { run: true });
  return {
    lines: [`event worker on ${db.kind === 'postgres' ? 'PostgreSQL' : 'PGlite'} (schema ${db.schema}), ${config.concurrency} pollers`],
    async close() {
      await sync?.engine.stop();
      await polling.stop();
      await analytics?.close();
      await pipeline.close();
      await Promise.all(adapters.map((adapter) => adapter.close?.()));
      await db.close();
      await state.close();
    },
  };
}
