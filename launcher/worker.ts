import { createEventPipeline, readEventsConfig } from '../events/index.js';
import { createSharedState, openDatabase, readDatabaseConfig, type Env, type Logger } from '../platform/index.js';
import { buildAdapters, startAnalyticsSync } from './events.js';

/**
 * `npm start -- worker`: event workers alone, against the database the ingesting gateway writes (DATABASE_URL),
 * publishing purges through the shared state (REDIS_URL) so every replica hears them. Any number may run.
 */
export async function startWorker(source: Env, log: Logger): Promise<{ close(): Promise<void>; lines: string[] }> {
  const config = readEventsConfig(source);
  const state = createSharedState(source, log);
  await state.ready();
  const db = await openDatabase(readDatabaseConfig(source));
  const pipeline = await createEventPipeline({
    db,
    state,
    log: log.child({ part: 'events' }),
    // Catch-up only reaches configured vendors here: a worker alone starts no emulator.
    adapters: buildAdapters(source, {}, { stripe: [] }),
    retryLimit: config.retryLimit,
    retryDelaySeconds: config.retryDelaySeconds,
    jobTimeoutSeconds: config.jobTimeoutSeconds,
    maintenanceSeconds: config.maintenanceSeconds,
  });
  await pipeline.startWorkers({ concurrency: config.concurrency, reconcileCron: config.reconcileCron });
  // The analytics sync, when Mixpanel is configured: the database's slot keeps every worker to one export per interval.
  const analytics = startAnalyticsSync(source, db, log, state, { run: true });
  return {
    lines: [`event worker on ${db.kind === 'postgres' ? 'PostgreSQL' : 'PGlite'} (schema ${db.schema}), ${config.concurrency} pollers`],
    async close() {
      await analytics?.close();
      await pipeline.close();
      await db.close();
      await state.close();
    },
  };
}
