import { Gauge, type Registry } from 'prom-client';
import type { Queryable } from '../platform/index.js';
import { countByStatus, type EventStatus } from './log.js';
import type { EventPipeline } from './pipeline.js';

/** The event pipeline as an operator sees it: the /status panel and the metrics are both read from this. */
export type EventsSummary = {
  /** Events in the log by status (the log is shared: every replica reads the same figures). */
  counts: Record<EventStatus, number>;
  /** Events not yet applied (pending, or failed and waiting for a retry). */
  backlog: number;
  /** Seconds since the oldest unapplied event was received; undefined when nothing is waiting. */
  oldestUnappliedAgeSeconds: number | undefined;
  /** Deliveries this process refused since start, by vendor and reason (missing, malformed, stale, mismatch, payload). */
  rejections: Record<string, Record<string, number>>;
};

/** When the oldest event not yet applied was received; undefined when none waits. */
export async function oldestUnapplied(db: Queryable): Promise<Date | undefined> {
  const { rows } = await db.query<{ oldest: Date | string | null }>(
    `SELECT min(received_at) AS oldest FROM event_log WHERE status IN ('pending', 'failed')`,
  );
  const oldest = rows[0]?.oldest;
  return oldest ? new Date(oldest) : undefined;
}

/** Reads the summary from the log. `now` is injectable for tests; default the system clock. */
export async function summarizeEvents(pipeline: EventPipeline, now: () => number = Date.now): Promise<EventsSummary> {
  const [counts, oldest] = await Promise.all([countByStatus(pipeline.db), oldestUnapplied(pipeline.db)]);
  return {
    counts,
    backlog: counts.pending + counts.failed,
    oldestUnappliedAgeSeconds: oldest ? Math.max(0, (now() - oldest.getTime()) / 1000) : undefined,
    rejections: structuredClone(pipeline.rejections),
  };
}

/**
 * Registers the pipeline's gauges in a part's registry, read from the log at scrape time (so they are right
 * whichever process ingested or applied): counts by status, ingested, backlog, oldest unapplied age, refusals.
 * Every replica reports the same log-wide figures: take one, do not sum them.
 */
export function registerEventMetrics(registry: Registry, pipeline: EventPipeline): void {
  const registers = [registry];
  // One read of the log per scrape, shared by the gauges (each one's collect runs in the same scrape).
  let pending: Promise<EventsSummary> | undefined;
  const read = () => (pending ??= summarizeEvents(pipeline).finally(() => setImmediate(() => (pending = undefined))));
  new Gauge({
    name: 'interchange_events',
    help: 'Events in the event log by status (pending, applied, stale, failed, dead).',
    labelNames: ['status'],
    registers,
    async collect() {
      for (const [status, count] of Object.entries((await read()).counts)) this.set({ status }, count);
    },
  });
  new Gauge({
    name: 'interchange_events_ingested',
    help: 'Events ever appended to the event log (webhooks and catch-up).',
    registers,
    async collect() {
      this.set(Object.values((await read()).counts).reduce((sum, count) => sum + count, 0));
    },
  });
  new Gauge({
    name: 'interchange_events_backlog',
    help: 'Events not yet applied: the apply queue depth.',
    registers,
    async collect() {
      this.set((await read()).backlog);
    },
  });
  new Gauge({
    name: 'interchange_events_oldest_unapplied_age_seconds',
    help: 'Age of the oldest event not yet applied; 0 when none waits.',
    registers,
    async collect() {
      this.set((await read()).oldestUnappliedAgeSeconds ?? 0);
    },
  });
  new Gauge({
    name: 'interchange_webhook_rejections',
    help: 'Webhook deliveries refused by this process since start, by vendor and reason.',
    labelNames: ['vendor', 'reason'],
    registers,
    async collect() {
      for (const [vendor, reasons] of Object.entries((await read()).rejections)) {
        for (const [reason, count] of Object.entries(reasons)) this.set({ vendor, reason }, count);
      }
    },
  });
}
