import PgBoss from 'pg-boss';
import type { Database, Logger, Queryable } from '../platform/index.js';

/**
 * The job engine: pg-boss 10 over the platform database through its `db` option, so PostgreSQL and PGlite
 * run the same code (checked: pg-boss's schema scripts are parameterless multi-statement scripts, which
 * Database.query sends through PGlite's `exec`; everything else is single parameterized statements).
 */

export const APPLY_QUEUE = 'events-apply';
export const DEAD_QUEUE = 'events-dead';
export const RECONCILE_QUEUE = 'events-reconcile';

export type ApplyJob = { id: number; replay?: boolean };

export type JobEngineOptions = {
  db: Database;
  log: Logger;
  /** Attempts after the first before an event is dead; default 5. */
  retryLimit?: number;
  /** First retry delay in seconds, doubled each attempt (pg-boss jitters it); default 2. */
  retryDelaySeconds?: number;
  /** How long one apply may run before pg-boss counts it failed (a killed worker's jobs come back after this); default 60. */
  jobTimeoutSeconds?: number;
  /** How often pg-boss looks for timed-out jobs, in seconds; default 30. */
  maintenanceSeconds?: number;
};

export type JobEngine = {
  readonly boss: PgBoss;
  /** Enqueues apply jobs inside the caller's transaction: they exist exactly when the appended rows do. */
  enqueueApply(tx: Queryable, jobs: readonly ApplyJob[]): Promise<void>;
  stop(): Promise<void>;
};

/** pg-boss's own tables live beside ours: in `pgboss`, or `<schema>_jobs` when the database has its own schema. */
function bossSchema(db: Database): string {
  return db.schema === 'public' ? 'pgboss' : `${db.schema}_jobs`;
}

/** A Queryable (the database, or a transaction) as pg-boss's `db` option. */
export function asBossDb(target: Queryable): PgBoss.Db {
  return { executeSql: (text, values) => target.query(text, values) };
}

export async function startJobEngine(options: JobEngineOptions): Promise<JobEngine> {
  const boss = new PgBoss({
    db: asBossDb(options.db),
    schema: bossSchema(options.db),
    maintenanceIntervalSeconds: options.maintenanceSeconds ?? 30,
    monitorStateIntervalSeconds: 3600,
  });
  boss.on('error', (error) => options.log.error({ err: error }, 'job engine error'));
  await boss.start();
  const retry = {
    retryLimit: options.retryLimit ?? 5,
    retryDelay: options.retryDelaySeconds ?? 2,
    retryBackoff: true,
    expireInSeconds: options.jobTimeoutSeconds ?? 60,
  };
  // createQueue is not idempotent about options; updateQueue keeps a running deployment's settings current.
  await boss.createQueue(DEAD_QUEUE);
  await boss.createQueue(APPLY_QUEUE, { name: APPLY_QUEUE, ...retry, deadLetter: DEAD_QUEUE });
  await boss.updateQueue(APPLY_QUEUE, { name: APPLY_QUEUE, ...retry, deadLetter: DEAD_QUEUE });
  await boss.createQueue(RECONCILE_QUEUE, { name: RECONCILE_QUEUE, policy: 'singleton', retryLimit: 0 });
  return {
    boss,
    async enqueueApply(tx, jobs) {
      if (jobs.length === 0) return;
      await boss.insert(
        jobs.map((data) => ({ name: APPLY_QUEUE, data, ...retry, deadLetter: DEAD_QUEUE })),
        { db: asBossDb(tx) },
      );
    },
    stop: () => boss.stop({ graceful: true, wait: true, timeout: 10_000 }),
  };
}
