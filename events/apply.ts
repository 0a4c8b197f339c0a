import { PURGE_CHANNEL, encodePurge, type Database, type DomainChange, type Queryable, type SharedState } from '../platform/index.js';

/** Extension points of applying: objects of optional hooks, each taking one payload (STYLE 8). */
export type ApplyHooks = {
  /**
   * Called with every domain change being applied, inside the apply transaction: throwing fails the attempt
   * (it is retried with backoff, then dead-lettered). This is where sync/ and read models plug in; a hook must
   * be idempotent (derive keys from `eventId`), since a replay calls it again. `tx` is the apply transaction:
   * what the hook writes or enqueues through it exists exactly when the event is applied.
   */
  onChange?(payload: { eventId: number; vendor: string; entity: string; change: DomainChange; tx: Queryable }): Promise<void> | void;
};

export type ApplyOutcome = 'applied' | 'stale' | 'skipped' | 'missing';

type LockedRow = { vendor: string; entity: string; occurred_at: Date | string; status: string; change: DomainChange; state: unknown };

/**
 * Applies one logged event, idempotently, in one transaction:
 * 1. lock its log row; an event already applied or stale is skipped unless this is a replay (a redelivered job
 *    after a crash between commit and acknowledgement must not apply twice);
 * 2. move the entity's state forward only if this event is not older than the one applied (`stale` otherwise;
 *    the entity row lock orders concurrent workers);
 * 3. call the hooks, purge the entity tags on every replica, and mark the row.
 * The purge is published before the commit: if the commit then fails, a purge happened for nothing, which is
 * harmless; the other order could leave a stale cache after a crash.
 */
export async function applyEvent(db: Database, state: SharedState, hooks: ApplyHooks, id: number, replay = false): Promise<ApplyOutcome> {
  // Counted outside the transaction, so a failing attempt still leaves its count behind.
  await db.query('UPDATE event_log SET attempts = attempts + 1 WHERE id = $1', [id]);
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<LockedRow>(
      'SELECT vendor, entity, occurred_at, status, change, state FROM event_log WHERE id = $1 FOR UPDATE',
      [id],
    );
    const row = rows[0];
    if (!row) return 'missing';
    if (!replay && (row.status === 'applied' || row.status === 'stale')) return 'skipped';
    const advanced = await tx.query(
      `INSERT INTO entity_state (vendor, entity, occurred_at, event_id, state) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (vendor, entity) DO UPDATE SET occurred_at = EXCLUDED.occurred_at, event_id = EXCLUDED.event_id, state = EXCLUDED.state
       WHERE entity_state.occurred_at <= EXCLUDED.occurred_at
       RETURNING event_id`,
      [row.vendor, row.entity, new Date(row.occurred_at).toISOString(), id, row.state === null ? null : JSON.stringify(row.state)],
    );
    if (advanced.rows.length === 0) {
      await tx.query(`UPDATE event_log SET status = 'stale', last_error = NULL, applied_at = now() WHERE id = $1`, [id]);
      return 'stale';
    }
    await hooks.onChange?.({ eventId: id, vendor: row.vendor, entity: row.entity, change: row.change, tx });
    if (row.change.tags.length > 0) await state.publish(PURGE_CHANNEL, encodePurge(row.change.tags));
    await tx.query(
      `UPDATE event_log SET status = 'applied', last_error = NULL, applied_at = now(), applications = applications + 1 WHERE id = $1`,
      [id],
    );
    return 'applied';
  });
}

/** Records a failed attempt; the job engine decides whether it is retried or dead. */
export async function recordFailure(db: Database, id: number, error: unknown): Promise<void> {
  const message = error instanceof Error ? error.message : String(error);
  await db.query(`UPDATE event_log SET status = 'failed', last_error = $2 WHERE id = $1 AND status <> 'dead'`, [
    id,
    message.slice(0, 2000),
  ]);
}

/** Marks an event dead after its last attempt. */
export async function recordDead(db: Database, id: number): Promise<void> {
  await db.query(`UPDATE event_log SET status = 'dead' WHERE id = $1 AND status IN ('failed', 'pending')`, [id]);
}
