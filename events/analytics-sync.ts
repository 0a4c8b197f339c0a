/**
 * The analytics read model's sync: one raw export of every person's events per interval, from the stored
 * cursor, into analytics_events (events/analytics.ts). Mixpanel exports whole UTC days with inclusive
 * from_date/to_date, so each run re-reads from `overlapDays` before the day it last reached up to today, and
 * the dedupe key makes the re-read harmless: today's events that arrived since, and late events inside the
 * overlap, are added; nothing is stored twice.
 *
 * The quota (60 exports an hour) is respected by a slot in the database, not by the timer: a run first claims
 * the slot (`attempted_at_ms` at least one interval old) in one statement, so however many processes run the
 * sync, at most one export is spent per interval, and a failed export spends its slot too.
 */
import type { AnalyticsExportSource, Database, Logger } from '../platform/index.js';
import { dropUnkeyed, storeEvents } from './analytics.js';

const DAY_MS = 24 * 3600 * 1000;
const dayOf = (ms: number): number => Math.floor(ms / DAY_MS);
const dayString = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

export type AnalyticsSyncOptions = {
  db: Database;
  source: AnalyticsExportSource;
  log: Logger;
  /** At most one export per this many ms, across every process sharing the database. */
  intervalMs: number;
  /** The first sync reaches this many days before today (today included on top). */
  backfillDays: number;
  /** Days before the last day reached that every run reads again, for events that arrive late. */
  overlapDays: number;
  /** Clock for the slot, the days and syncedThrough; default Date.now. */
  now?: () => number;
};

export type SyncOutcome =
  | { status: 'synced'; fromDay: string; toDay: string; read: number; stored: number; skipped: number }
  | { status: 'waiting'; nextAtMs: number }
  | { status: 'failed'; error: string };

export type AnalyticsSync = {
  /** One run now, if the interval's slot is free: claim it, export, store, move the cursor. */
  runOnce(): Promise<SyncOutcome>;
  /** Runs on a timer in this process (a quarter interval apart; the slot keeps the pace). */
  start(): void;
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
};

type Claimed = { covered_from_ms: string | number | null; synced_through_ms: string | number | null };

export function createAnalyticsSync(options: AnalyticsSyncOptions): AnalyticsSync {
  const { db, source, log, intervalMs } = options;
  const now = options.now ?? Date.now;
  const vendor = source.vendor;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<SyncOutcome> | undefined;

  /** Takes this interval's slot, or says when the next one opens. */
  async function claim(at: number): Promise<Claimed | { nextAtMs: number }> {
    const { rows } = await db.query<Claimed>(
      `INSERT INTO analytics_sync (vendor, attempted_at_ms) VALUES ($1, $2)
       ON CONFLICT (vendor) DO UPDATE SET attempted_at_ms = EXCLUDED.attempted_at_ms, updated_at = now()
       WHERE analytics_sync.attempted_at_ms IS NULL OR analytics_sync.attempted_at_ms <= $3
       RETURNING covered_from_ms, synced_through_ms`,
      [vendor, at, at - intervalMs],
    );
    if (rows[0]) return rows[0];
    const { rows: held } = await db.query<{ attempted_at_ms: string | number }>(
      'SELECT attempted_at_ms FROM analytics_sync WHERE vendor = $1',
      [vendor],
    );
    return { nextAtMs: Number(held[0]?.attempted_at_ms ?? at) + intervalMs };
  }

  async function run(): Promise<SyncOutcome> {
    const startedAt = now();
    const slot = await claim(startedAt);
    if ('nextAtMs' in slot) return { status: 'waiting', nextAtMs: slot.nextAtMs };
    const today = dayOf(startedAt);
    const backfillFrom = today - options.backfillDays;
    const coveredFrom = slot.covered_from_ms === null ? null : dayOf(Number(slot.covered_from_ms));
    const reached = slot.synced_through_ms === null ? null : dayOf(Number(slot.synced_through_ms));
    // First run: the whole backfill. Later: the overlap before the last day reached, and further back only
    // when the backfill was lengthened since (one export either way).
    let from = reached === null ? backfillFrom : Math.min(reached - options.overlapDays, today);
    if (coveredFrom === null || backfillFrom < coveredFrom) from = Math.min(from, backfillFrom);
    try {
      const events = await source.exportDays(dayString(from), dayString(today));
      const result = await db.transaction(async (tx) => {
        await dropUnkeyed(tx, vendor, { sinceMs: from * DAY_MS, untilMs: (today + 1) * DAY_MS });
        const outcome = await storeEvents(tx, vendor, events, 'export');
        // syncedThrough is when the export was asked for: everything stored at the vendor by then is here.
        await tx.query(
          `UPDATE analytics_sync SET covered_from_ms = LEAST(COALESCE(covered_from_ms, $2), $2), synced_through_ms = $3,
             exports = exports + 1, last_error = NULL, updated_at = now() WHERE vendor = $1`,
          [vendor, from * DAY_MS, startedAt],
        );
        return outcome;
      });
      if (result.skipped > 0)
        log.warn({ vendor, skipped: result.skipped }, 'analytics sync skipped events it cannot store (U+0000 in a name or id)');
      log.debug({ vendor, from: dayString(from), to: dayString(today), read: events.length }, 'analytics sync');
      return { status: 'synced', fromDay: dayString(from), toDay: dayString(today), read: events.length, ...result };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // The slot stays spent: the export may have reached the vendor, and the next interval tries again.
      await db
        .query('UPDATE analytics_sync SET exports = exports + 1, last_error = $2, updated_at = now() WHERE vendor = $1', [vendor, message])
        .catch(() => {});
      log.warn({ err: error, vendor }, 'analytics sync failed; the next interval reads from the same cursor');
      return { status: 'failed', error: message };
    }
  }

  const sync: AnalyticsSync = {
    runOnce() {
      // One run at a time in this process; a second caller shares it.
      running ??= run().finally(() => {
        running = undefined;
      });
      return running;
    },
    start() {
      if (timer) return;
      void sync.runOnce().catch((error: unknown) => log.warn({ err: error }, 'analytics sync failed'));
      timer = setInterval(
        () => void sync.runOnce().catch((error: unknown) => log.warn({ err: error }, 'analytics sync failed')),
        Math.max(250, Math.floor(intervalMs / 4)),
      );
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running?.catch(() => undefined);
    },
  };
  return sync;
}
