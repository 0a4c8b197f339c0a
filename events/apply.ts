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

/** One event to apply: its log id, and whether this is a replay (which re-applies an event already done). */
export type ApplyRequest = { id: number; replay?: boolean };

type LockedRow = {
  id: string | number;
  vendor: string;
  entity: string;
  occurred_at: Date | string;
  status: string;
  change: DomainChange;
  state: unknown;
};

/**
 * Applies logged events, idempotently, all in one transaction (one commit for the batch, not two per event;
 * on PGlite, which runs every statement on this process's one thread, the statement count is the cost):
 * 1. lock their log rows and count the attempt; an event already applied or stale is skipped unless this is a
 *    replay (a redelivered job after a crash between commit and acknowledgement must not apply twice);
 * 2. per event, one statement moves the entity's state forward only if the event is not older than the one
 *    applied, and marks the row `applied`, or `stale` when it is older (the entity row lock orders concurrent
 *    workers; events go entity by entity, in log order within one, so two batches lock entities in the same
 *    order and cannot deadlock);
 * 3. call the hooks, purge the applied entities' tags on every replica, commit.
 * The purge is published before the commit: if the commit then fails, a purge happened for nothing, which is
 * harmless; the other order could leave a stale cache after a crash. Anything throwing rolls the whole batch
 * back; the caller then applies its events one by one to find the one that fails (applyEachAlone).
 * A worker killed mid-transaction leaves no trace, not even the attempt count: its jobs come back after their
 * expiry and run again.
 */
export async function applyEvents(
  db: Database,
  state: SharedState,
  hooks: ApplyHooks,
  requests: readonly ApplyRequest[],
): Promise<ApplyOutcome[]> {
  if (requests.length === 0) return [];
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<LockedRow>(
      `UPDATE event_log SET attempts = attempts + 1 WHERE id = ANY($1::bigint[])
       RETURNING id, vendor, entity, occurred_at, status, change, state`,
      [[...new Set(requests.map((request) => String(request.id)))]],
    );
    const byId = new Map(rows.map((row) => [Number(row.id), row]));
    const outcomes = new Map<ApplyRequest, ApplyOutcome>();
    const order = [...requests].sort((a, b) => {
      const left = byId.get(a.id);
      const right = byId.get(b.id);
      const key = (row: LockedRow | undefined) => (row ? `${row.vendor}\u0000${row.entity}` : '');
      return key(left) < key(right) ? -1 : key(left) > key(right) ? 1 : a.id - b.id;
    });
    const tags = new Set<string>();
    const done = new Set<number>();
    for (const request of order) {
      const row = byId.get(request.id);
      if (!row) {
        outcomes.set(request, 'missing');
        continue;
      }
      // The same event twice in one batch (a replay job beside the first delivery's) applies once.
      if (done.has(request.id) || (!request.replay && (row.status === 'applied' || row.status === 'stale'))) {
        outcomes.set(request, 'skipped');
        continue;
      }
      done.add(request.id);
      const { rows: marked } = await tx.query<{ status: 'applied' | 'stale' }>(
        `WITH advanced AS (
           INSERT INTO entity_state (vendor, entity, occurred_at, event_id, state) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (vendor, entity) DO UPDATE SET occurred_at = EXCLUDED.occurred_at, event_id = EXCLUDED.event_id, state = EXCLUDED.state
           WHERE entity_state.occurred_at <= EXCLUDED.occurred_at
           RETURNING event_id
         ), outcome AS (SELECT EXISTS (SELECT 1 FROM advanced) AS applied)
         UPDATE event_log SET
           status = CASE WHEN outcome.applied THEN 'applied' ELSE 'stale' END,
           applications = applications + CASE WHEN outcome.applied THEN 1 ELSE 0 END,
           last_error = NULL,
           applied_at = now()
         FROM outcome WHERE id = $4
         RETURNING status`,
        [
          row.vendor,
          row.entity,
          new Date(row.occurred_at).toISOString(),
          request.id,
          row.state === null ? null : JSON.stringify(row.state),
        ],
      );
      const outcome = marked[0]!.status;
      outcomes.set(request, outcome);
      if (outcome === 'stale') continue;
      await hooks.onChange?.({ eventId: request.id, vendor: row.vendor, entity: row.entity, change: row.change, tx });
      for (const tag of row.change.tags) tags.add(tag);
    }
    if (tags.size > 0) await state.publish(PURGE_CHANNEL, encodePurge([...tags]));
    return requests.map((request) => outcomes.get(request)!);
  });
}

/** Applies one logged event (see applyEvents). */
export async function applyEvent(db: Database, state: SharedState, hooks: ApplyHooks, id: number, replay = false): Promise<ApplyOutcome> {
  const [outcome] = await applyEvents(db, state, hooks, [{ id, replay }]);
  return outcome!;
}

/**
 * Records a failed attempt, counting it (the attempt's own count was rolled back with its transaction); the job
 * engine decides whether it is retried or dead.
 */
export async function recordFailure(db: Database, id: number, error: unknown): Promise<void> {
  const message = error instanceof Error ? error.message : String(error);
  await db.query(`UPDATE event_log SET status = 'failed', last_error = $2, attempts = attempts + 1 WHERE id = $1 AND status <> 'dead'`, [
    id,
    message.slice(0, 2000),
  ]);
}

/** Marks an event dead after its last attempt. */
export async function recordDead(db: Database, id: number): Promise<void> {
  await db.query(`UPDATE event_log SET status = 'dead' WHERE id = $1 AND status IN ('failed', 'pending')`, [id]);
}
