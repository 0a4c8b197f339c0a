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
  status: string;
  change: DomainChange;
};

/**
 * Applies logged events, idempotently, all in one transaction and in a fixed number of statements whatever the
 * batch's size (on PGlite, which runs every statement on this process's one thread, between ingest's appends,
 * the statement count is the cost; on PostgreSQL, the round trips):
 * 1. lock their log rows and count the attempt; an event already applied or stale is skipped unless this is a
 *    replay (a redelivered job after a crash between commit and acknowledgement must not apply twice);
 * 2. lock the batch's entities (transaction-scoped advisory locks, taken in one order, so two batches sharing
 *    entities queue and cannot deadlock): the next statement then sees every batch committed before on them,
 *    including an entity's first state, which no row lock could guard;
 * 3. one statement judges every event against its entity's state and the batch's earlier events of that
 *    entity, in log order: an event not older than all of them is `applied`, an older one `stale`; each entity
 *    moves to its last applied event; every row is marked;
 * 4. call the hooks (for the applied events, in log order), purge the applied entities' tags on every replica,
 *    commit.
 * The purge is published before the commit: if the commit then fails, a purge happened for nothing, which is
 * harmless; the other order could leave a stale cache after a crash. Anything throwing rolls the whole batch
 * back; the caller then applies its events one by one to find the one that fails.
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
       RETURNING id, vendor, entity, status, change`,
      [[...new Set(requests.map((request) => String(request.id)))]],
    );
    const byId = new Map(rows.map((row) => [Number(row.id), row]));
    // Each event once (a replay job beside the first delivery's applies it once): the first request for it decides.
    const outcomes = new Map<ApplyRequest, ApplyOutcome>();
    const chosen = new Map<number, ApplyRequest>();
    for (const request of requests) {
      const row = byId.get(request.id);
      if (!row) outcomes.set(request, 'missing');
      else if (chosen.has(request.id) || (!request.replay && (row.status === 'applied' || row.status === 'stale')))
        outcomes.set(request, 'skipped');
      else chosen.set(request.id, request);
    }
    if (chosen.size === 0) return requests.map((request) => outcomes.get(request)!);
    const ids = [...chosen.keys()].sort((a, b) => a - b);
    await tx.query(
      `SELECT pg_advisory_xact_lock(key) FROM (
         SELECT DISTINCT hashtextextended(vendor || ' ' || entity, 0) AS key FROM event_log WHERE id = ANY($1::bigint[]) ORDER BY key
       ) AS entities`,
      [ids.map(String)],
    );
    const { rows: marked } = await tx.query<{ id: string; status: 'applied' | 'stale' }>(
      `WITH batch AS (
         SELECT id, vendor, entity, occurred_at, state,
           max(occurred_at) OVER (PARTITION BY vendor, entity ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS earlier
         FROM event_log WHERE id = ANY($1::bigint[])
       ), judged AS (
         SELECT batch.*, (batch.occurred_at >= GREATEST(current.occurred_at, batch.earlier)) IS NOT FALSE AS applied
         FROM batch LEFT JOIN entity_state current ON current.vendor = batch.vendor AND current.entity = batch.entity
       ), advanced AS (
         INSERT INTO entity_state (vendor, entity, occurred_at, event_id, state)
         SELECT DISTINCT ON (vendor, entity) vendor, entity, occurred_at, id, state FROM judged WHERE applied ORDER BY vendor, entity, id DESC
         ON CONFLICT (vendor, entity) DO UPDATE SET occurred_at = EXCLUDED.occurred_at, event_id = EXCLUDED.event_id, state = EXCLUDED.state
         WHERE entity_state.occurred_at <= EXCLUDED.occurred_at
       )
       UPDATE event_log SET
         status = CASE WHEN judged.applied THEN 'applied' ELSE 'stale' END,
         applications = applications + CASE WHEN judged.applied THEN 1 ELSE 0 END,
         last_error = NULL,
         applied_at = now()
       FROM judged WHERE event_log.id = judged.id
       RETURNING event_log.id, event_log.status`,
      [ids.map(String)],
    );
    const statusOf = new Map(marked.map((row) => [Number(row.id), row.status]));
    const tags = new Set<string>();
    for (const id of ids) {
      const outcome = statusOf.get(id)!;
      outcomes.set(chosen.get(id)!, outcome);
      if (outcome === 'stale') continue;
      const row = byId.get(id)!;
      await hooks.onChange?.({ eventId: id, vendor: row.vendor, entity: row.entity, change: row.change, tx });
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
