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
  /** Whether this process runs pg-boss's maintenance and cron clock; default true (see EventPipelineOptions). */
  maintenance?: boolean;
};

export type JobEngine = {
  readonly boss: PgBoss;
  /** Enqueues apply jobs inside the caller's transaction: they exist exactly when the appended rows do. */
  enqueueApply(tx: Queryable, jobs: readonly ApplyJob[]): Promise<void>;
  /**
   * The SQL that enqueues one apply job per row of `source` (a FROM item aliased `s`, with columns `id` and `replay`), for a
   * statement that appends and enqueues at once (events/log.ts): one round trip, one implicit transaction.
   */
  applyJobsFrom(source: string): string;
  stop(): Promise<void>;
};

/**
 * pg-boss's job insert, for the apply queue, as SQL that can be part of a larger statement. It writes the
 * row `boss.insert` would (pg-boss 10.4 plans.insertJobs): the queue row's retry, backoff, expiry, retention and
 * dead-letter settings, which startJobEngine keeps current with updateQueue. Ingest used a second round trip
 * for boss.insert inside its transaction; this takes the enqueue into the append's own statement.
 * test/events/jobs.test.ts checks the two stay equal.
 */
export function applyJobsSql(bossSchema: string, source: string): string {
  return `INSERT INTO ${bossSchema}.job (name, data, dead_letter, expire_in, keep_until, retry_limit, retry_delay, retry_backoff, policy)
    SELECT q.name,
      CASE WHEN s.replay THEN jsonb_build_object('id', s.id, 'replay', true) ELSE jsonb_build_object('id', s.id) END,
      q.dead_letter,
      COALESCE(q.expire_seconds * interval '1 second', interval '15 minutes'),
      now() + COALESCE(q.retention_minutes * interval '1 minute', interval '14 days'),
      COALESCE(q.retry_limit, 2),
      CASE WHEN COALESCE(q.retry_backoff, false) THEN GREATEST(COALESCE(q.retry_delay, 0), 1) ELSE COALESCE(q.retry_delay, 0) END,
      COALESCE(q.retry_backoff, false),
      q.policy
    FROM ${source} JOIN ${bossSchema}.queue q ON q.name = '${APPLY_QUEUE}'`;
}

/** pg-boss's own tables live beside ours: in `pgboss`, or `<schema>_jobs` when the database has its own schema. */
function bossSchema(db: Database): string {
  return db.schema === 'public' ? 'pgboss' : `${db.schema}_jobs`;
}

/** A Queryable (the database, or a transaction) as pg-boss's `db` option. */
export function asBossDb(target: Queryable): PgBoss.Db {
  return { executeSql: (text, values) => target.query(text, values) };
}

export async function startJobEngine(options: JobEngineOptions): Promise<JobEngine> {
  const schema = bossSchema(options.db);
  const boss = new PgBoss({
    db: asBossDb(options.db),
    schema,
    maintenanceIntervalSeconds: options.maintenanceSeconds ?? 30,
    monitorStateIntervalSeconds: 3600,
    supervise: options.maintenance !== false,
    schedule: options.maintenance !== false,
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
      await tx.query(applyJobsSql(schema, 'unnest($1::bigint[], $2::boolean[]) AS s (id, replay)'), [
        jobs.map((job) => String(job.id)),
        jobs.map((job) => job.replay === true),
      ]);
    },
    applyJobsFrom: (source) => applyJobsSql(schema, source),
    stop: () => boss.stop({ graceful: true, wait: true, timeout: 10_000 }),
  };
}
