import type PgBoss from 'pg-boss';
import {
  migrate,
  PayloadError,
  SignatureError,
  type Database,
  type Logger,
  type SharedState,
  type VendorAdapter,
  type VendorEvent,
  type WebhookRequest,
} from '../platform/index.js';
import { applyEvent, applyEvents, recordDead, recordFailure, type ApplyHooks } from './apply.js';
import { APPLY_QUEUE, DEAD_QUEUE, RECONCILE_QUEUE, startJobEngine, type ApplyJob, type JobEngine } from './jobs.js';
import { createGroupCommit } from './group-commit.js';
import { appendEvents, countByStatus, matchingIds, type EventFilter, type EventStatus } from './log.js';
import { EVENT_MIGRATIONS } from './migrations.js';

export type EventPipelineOptions = {
  db: Database;
  /** Where purges are published (the platform's shared state). */
  state: SharedState;
  log: Logger;
  /** The vendor adapters the launcher built (subgraphs/<vendor>/webhooks.ts); default none. */
  adapters?: readonly VendorAdapter[];
  /** Hooks called while applying; default none. */
  hooks?: ApplyHooks;
  /** Attempts after the first before an event is dead; default 5. */
  retryLimit?: number;
  /** First retry delay in seconds, doubling; default 2. */
  retryDelaySeconds?: number;
  /** How long one apply job may stay active before it is failed and retried (a killed worker); default 60 s. */
  jobTimeoutSeconds?: number;
  /** How often timed-out jobs are looked for; default 30 s. */
  maintenanceSeconds?: number;
  /**
   * Whether this process keeps the job engine's house: expiring a killed worker's jobs, archiving, firing cron
   * schedules; default true. A process that only ingests (the gateway when workers run apart) can leave it to
   * the workers, sparing the database a maintenance transaction every `maintenanceSeconds`; some process must.
   */
  maintenance?: boolean;
};

export type WorkerOptions = {
  /** Parallel pollers in this process; default 2. */
  concurrency?: number;
  /** Jobs fetched per poll; default 20. */
  batchSize?: number;
  /**
   * Events applied in one transaction, from one fetched batch; default 10. More means fewer commits; on PGlite,
   * one connection, it also means ingest waits longer behind each apply transaction.
   */
  eventsPerTransaction?: number;
  /** Seconds between polls when the queue is empty; default 0.5 (pg-boss's minimum). */
  pollingIntervalSeconds?: number;
  /** Catch-up schedule (cron, minute resolution); default every 5 minutes; null: only at start. */
  reconcileCron?: string | null;
  /** Run one catch-up as soon as the workers start; default true. */
  reconcileAtStart?: boolean;
};

export type IngestResult = { accepted: number; duplicates: number };
export type ReconcileResult = Record<string, { read: number; appended: number; error?: string }>;

export type EventPipeline = {
  readonly db: Database;
  /** The job engine (pg-boss): other parts (sync/) run their own queues on it, enqueued in the same transactions. */
  readonly boss: PgBoss;
  /** Verifies a webhook delivery with the vendor's adapter, then appends and enqueues in one transaction. */
  ingest(vendor: string, request: WebhookRequest): Promise<IngestResult>;
  /** Reads each vendor's changes since its stored cursor and appends what the log lacks. */
  reconcile(vendors?: readonly string[]): Promise<ReconcileResult>;
  /** Re-enqueues the matching events (any status); applying is idempotent, so this is always safe. */
  replay(filter: EventFilter, onProgress?: (done: number, total: number) => void): Promise<number>;
  /** Re-enqueues dead events (and any other filter given) with a fresh set of attempts. */
  redrive(filter?: Omit<EventFilter, 'status'>, onProgress?: (done: number, total: number) => void): Promise<number>;
  /** Starts apply workers, the dead-letter recorder and the catch-up schedule in this process. */
  startWorkers(options?: WorkerOptions): Promise<void>;
  /** Deliveries refused since start, by vendor and reason (missing, malformed, stale, mismatch, payload). */
  readonly rejections: Record<string, Record<string, number>>;
  counts(filter?: EventFilter): Promise<Record<EventStatus, number>>;
  /** Stops the workers (finishing the jobs in hand) and the job engine; the database stays open. */
  close(): Promise<void>;
};

/** Raised when a delivery names a vendor no adapter was configured for. */
export class UnknownVendorError extends Error {
  constructor(vendor: string, known: readonly string[]) {
    super(`No webhook adapter for "${vendor}": expected one of ${known.join(', ') || '(none configured)'}.`);
    this.name = 'UnknownVendorError';
  }
}

const CHUNK = 500;

/** Runs the event pipeline's migrations, starts the job engine, and returns the pipeline. */
export async function createEventPipeline(options: EventPipelineOptions): Promise<EventPipeline> {
  const { db, state, log } = options;
  await migrate(db, 'events', EVENT_MIGRATIONS);
  const engine: JobEngine = await startJobEngine({
    db,
    log,
    retryLimit: options.retryLimit,
    retryDelaySeconds: options.retryDelaySeconds,
    jobTimeoutSeconds: options.jobTimeoutSeconds,
    maintenanceSeconds: options.maintenanceSeconds,
    maintenance: options.maintenance,
  });
  const adapters = new Map((options.adapters ?? []).map((adapter) => [adapter.vendor, adapter]));
  const hooks = options.hooks ?? {};
  const rejections: Record<string, Record<string, number>> = {};
  const workerIds: string[] = [];

  // Webhook appends share statements under load (events/group-commit.ts): one round trip and one commit for
  // every delivery that arrived while the previous statement was being written.
  const appender = createGroupCommit<readonly VendorEvent[], IngestResult>(
    async (deliveries) => {
      const appended = await appendEvents(db, deliveries.flat(), 'webhook', engine.applyJobsFrom);
      const created = new Set(appended.map((row) => `${row.vendor}\u0000${row.vendorEventId}`));
      // A row is credited to the first delivery carrying it; the same event delivered twice in one batch is
      // a duplicate for the second, as it would be a batch later.
      return deliveries.map((events) => {
        let accepted = 0;
        for (const event of events) if (created.delete(`${event.vendor}\u0000${event.id}`)) accepted++;
        return { accepted, duplicates: events.length - accepted };
      });
    },
    { weight: (events) => events.length },
  );

  const reject = (vendor: string, reason: string) => {
    const byReason = (rejections[vendor] ??= {});
    byReason[reason] = (byReason[reason] ?? 0) + 1;
  };

  async function enqueue(ids: readonly number[], replay: boolean, onProgress?: (done: number, total: number) => void): Promise<number> {
    for (let start = 0; start < ids.length; start += CHUNK) {
      const chunk = ids.slice(start, start + CHUNK);
      await db.transaction(async (tx) => {
        await tx.query(
          `UPDATE event_log SET status = 'pending', last_error = NULL WHERE id = ANY($1::bigint[]) AND status IN ('failed', 'dead')`,
          [chunk.map(String)],
        );
        await engine.enqueueApply(
          tx,
          chunk.map((id) => ({ id, replay })),
        );
      });
      onProgress?.(Math.min(start + CHUNK, ids.length), ids.length);
    }
    return ids.length;
  }

  async function handleApply(jobs: PgBoss.Job<ApplyJob>[], perTransaction: number): Promise<void> {
    for (let start = 0; start < jobs.length; start += perTransaction) {
      const chunk = jobs.slice(start, start + perTransaction);
      // Let this process's waiting I/O run first: on PGlite every statement runs on this thread and a chain of
      // them never returns to the event loop, so without this a fetched batch would hold back ingest's requests
      // (and their appends, which then queue ahead of the next transaction) until all of it was applied.
      await new Promise((resolve) => setImmediate(resolve));
      try {
        await applyEvents(
          db,
          state,
          hooks,
          chunk.map((job) => job.data),
        );
      } catch (error) {
        // One event failing rolls its whole batch back: apply them one by one, so only that one is retried.
        if (chunk.length === 1) await failed(chunk[0]!, error);
        else
          for (const job of chunk)
            await applyEvent(db, state, hooks, job.data.id, job.data.replay === true).catch((cause: unknown) => failed(job, cause));
      }
    }
  }

  async function failed(job: PgBoss.Job<ApplyJob>, error: unknown): Promise<void> {
    log.warn({ err: error, eventId: job.data.id }, 'applying an event failed; it will be retried');
    await recordFailure(db, job.data.id, error);
    // Failing this job alone: the rest of the batch completes when the handler returns.
    await engine.boss.fail(APPLY_QUEUE, job.id, { message: error instanceof Error ? error.message : String(error) });
  }

  const pipeline: EventPipeline = {
    db,
    boss: engine.boss,
    rejections,
    async ingest(vendor, request) {
      const adapter = adapters.get(vendor);
      if (!adapter?.verify) {
        reject(vendor, 'unknown-vendor');
        throw new UnknownVendorError(
          vendor,
          [...adapters.values()].filter((a) => a.verify).map((a) => a.vendor),
        );
      }
      let events;
      try {
        events = adapter.verify(request);
      } catch (error) {
        if (error instanceof SignatureError) reject(vendor, error.problem);
        else if (error instanceof PayloadError) reject(vendor, 'payload');
        throw error;
      }
      if (events.length === 0) return { accepted: 0, duplicates: 0 };
      return appender.submit(events);
    },
    async reconcile(vendors) {
      const result: ReconcileResult = {};
      for (const adapter of adapters.values()) {
        if (!adapter.catchUp || (vendors && !vendors.includes(adapter.vendor))) continue;
        const outcome = (result[adapter.vendor] = { read: 0, appended: 0 } as ReconcileResult[string]);
        try {
          let more = true;
          while (more) {
            const { rows } = await db.query<{ cursor: string | null }>('SELECT cursor FROM catch_up_cursors WHERE vendor = $1', [
              adapter.vendor,
            ]);
            const page = await adapter.catchUp(rows[0]?.cursor ?? null);
            // The cursor moves in the same transaction as the append: a crash re-reads, never skips.
            outcome.appended += await db.transaction(async (tx) => {
              let appended = 0;
              for (let start = 0; start < page.events.length; start += CHUNK) {
                appended += (await appendEvents(tx, page.events.slice(start, start + CHUNK), 'catch-up', engine.applyJobsFrom)).length;
              }
              await tx.query(
                `INSERT INTO catch_up_cursors (vendor, cursor) VALUES ($1, $2) ON CONFLICT (vendor) DO UPDATE SET cursor = EXCLUDED.cursor, updated_at = now()`,
                [adapter.vendor, page.cursor],
              );
              return appended;
            });
            outcome.read += page.events.length;
            more = page.more;
          }
        } catch (error) {
          outcome.error = error instanceof Error ? error.message : String(error);
          log.warn({ err: error, vendor: adapter.vendor }, 'catch-up failed; the next run starts from the same cursor');
        }
      }
      return result;
    },
    async replay(filter, onProgress) {
      return enqueue(await matchingIds(db, filter), true, onProgress);
    },
    async redrive(filter = {}, onProgress) {
      return enqueue(await matchingIds(db, { ...filter, status: 'dead' }), false, onProgress);
    },
    async startWorkers(workerOptions = {}) {
      const { boss } = engine;
      const poll = { batchSize: workerOptions.batchSize ?? 20, pollingIntervalSeconds: workerOptions.pollingIntervalSeconds ?? 0.5 };
      const perTransaction = workerOptions.eventsPerTransaction ?? 10;
      for (let index = 0; index < (workerOptions.concurrency ?? 2); index++) {
        workerIds.push(await boss.work<ApplyJob>(APPLY_QUEUE, poll, (jobs) => handleApply(jobs, perTransaction)));
      }
      workerIds.push(
        await boss.work<ApplyJob>(DEAD_QUEUE, poll, async (jobs) => {
          for (const job of jobs) await recordDead(db, job.data.id);
        }),
      );
      workerIds.push(
        await boss.work(RECONCILE_QUEUE, { pollingIntervalSeconds: 2 }, async () => {
          const result = await pipeline.reconcile();
          log.info({ result }, 'catch-up finished');
        }),
      );
      const cron = workerOptions.reconcileCron === undefined ? '*/5 * * * *' : workerOptions.reconcileCron;
      if (cron) await boss.schedule(RECONCILE_QUEUE, cron);
      if (workerOptions.reconcileAtStart !== false) await boss.send(RECONCILE_QUEUE, {});
    },
    counts: (filter) => countByStatus(db, filter),
    async close() {
      await appender.drain();
      for (const id of workerIds.splice(0)) await engine.boss.offWork({ id }).catch(() => {});
      await engine.stop();
    },
  };
  return pipeline;
}
