/**
 * The saga tables' SQL (see migrations.ts). Every write a running saga makes goes through `owned`: one
 * transaction that first checks (and locks) that this process still holds the saga's lease and extends it, so a
 * process that lost its lease (paused longer than the lease, then woke up) can never write over the process
 * that took the saga over.
 */
import type { Database, Json, Queryable, SagaFailure, SagaStatus, StepStatus } from '../../platform/index.js';

export type { Json, SagaFailure, SagaStatus, StepStatus };

export type SagaRow = {
  id: string;
  idempotencyKey: string;
  kind: string;
  input: Json;
  inputHash: string;
  status: SagaStatus;
  result: Json;
  error: SagaFailure | null;
  compensated: boolean | null;
  leaseOwner: string | null;
  leaseUntil: Date | null;
  runs: number;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
};

export type StepRow = {
  position: number;
  name: string;
  system: string;
  status: StepStatus;
  attempts: number;
  progress: Json;
  result: Json;
  error: string | null;
  /** The error code of the failed run (a refusal, a vendor's BAD_USER_INPUT, an outage). */
  errorCode: string | null;
  compensationError: string | null;
  startedAt: Date;
  doneAt: Date | null;
  compensatedAt: Date | null;
};

/** Raised when this process no longer holds the saga's lease: another process took it over; stop touching it. */
export class LeaseLostError extends Error {
  constructor(readonly sagaId: string) {
    super(`saga ${sagaId}: the lease passed to another process`);
    this.name = 'LeaseLostError';
  }
}

const SAGA_COLUMNS = `id, idempotency_key AS "idempotencyKey", kind, input, input_hash AS "inputHash", status, result, error,
  compensated, lease_owner AS "leaseOwner", lease_until AS "leaseUntil", runs, created_at AS "createdAt",
  updated_at AS "updatedAt", finished_at AS "finishedAt"`;
const STEP_COLUMNS = `position, name, system, status, attempts, progress, result, error, error_code AS "errorCode", compensation_error AS "compensationError",
  started_at AS "startedAt", done_at AS "doneAt", compensated_at AS "compensatedAt"`;

const json = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));
const iso = (date: Date): string => date.toISOString();

export type SagaStore = ReturnType<typeof createSagaStore>;

export function createSagaStore(db: Database) {
  const one = async <Row>(target: Queryable, text: string, params: unknown[]): Promise<Row | undefined> =>
    (await target.query<Row>(text, params)).rows[0];

  return {
    /** The saga of this key: inserted now (`created`), or the one an earlier request inserted. */
    async insertOrGet(saga: {
      id: string;
      idempotencyKey: string;
      kind: string;
      input: Json;
      inputHash: string;
      owner: string;
      now: Date;
      leaseUntil: Date;
    }): Promise<{ row: SagaRow; created: boolean }> {
      const inserted = await one<SagaRow>(
        db,
        `INSERT INTO sagas (id, idempotency_key, kind, input, input_hash, status, lease_owner, lease_until, runs, created_at, updated_at)
         VALUES ($1, $2, $3, $4::jsonb, $5, 'running', $6, $7, 1, $8, $8)
         ON CONFLICT (idempotency_key) DO NOTHING RETURNING ${SAGA_COLUMNS}`,
        [saga.id, saga.idempotencyKey, saga.kind, json(saga.input), saga.inputHash, saga.owner, iso(saga.leaseUntil), iso(saga.now)],
      );
      if (inserted) return { row: inserted, created: true };
      const existing = await this.byKey(saga.idempotencyKey);
      if (!existing) throw new Error(`saga with key ${saga.idempotencyKey} vanished between insert and read`);
      return { row: existing, created: false };
    },

    byKey: (key: string) => one<SagaRow>(db, `SELECT ${SAGA_COLUMNS} FROM sagas WHERE idempotency_key = $1`, [key]),
    byId: (id: string) => one<SagaRow>(db, `SELECT ${SAGA_COLUMNS} FROM sagas WHERE id = $1`, [id]),

    async steps(id: string): Promise<StepRow[]> {
      return (await db.query<StepRow>(`SELECT ${STEP_COLUMNS} FROM saga_steps WHERE saga_id = $1 ORDER BY position`, [id])).rows;
    },

    /**
     * Takes the saga's lease when it is unfinished and its lease ran out (or `force`: the database is this
     * process's own, so whoever held it is gone). Returns the row when taken.
     */
    async claim(id: string, owner: string, now: Date, leaseUntil: Date, force = false): Promise<SagaRow | undefined> {
      return one<SagaRow>(
        db,
        `UPDATE sagas SET lease_owner = $2, lease_until = $4, runs = runs + 1, updated_at = $3
         WHERE id = $1 AND status IN ('running', 'compensating')
           AND (lease_until IS NULL OR lease_until < $3 OR lease_owner = $2 OR $5)
         RETURNING ${SAGA_COLUMNS}`,
        [id, owner, iso(now), iso(leaseUntil), force],
      );
    },

    /** Unfinished sagas whose lease ran out (all unfinished with `force`), oldest first. */
    async claimable(now: Date, limit: number, force = false): Promise<string[]> {
      const { rows } = await db.query<{ id: string }>(
        `SELECT id FROM sagas WHERE status IN ('running', 'compensating') AND (lease_until IS NULL OR lease_until < $1 OR $3)
         ORDER BY created_at LIMIT $2`,
        [iso(now), limit, force],
      );
      return rows.map((row) => row.id);
    },

    /** Runs `work` holding the lease (checked and extended in the same transaction); LeaseLostError otherwise. */
    async owned<T>(id: string, owner: string, now: Date, leaseUntil: Date, work: (tx: Queryable) => Promise<T>): Promise<T> {
      return db.transaction(async (tx) => {
        const held = await one(tx, `SELECT 1 FROM sagas WHERE id = $1 AND lease_owner = $2 FOR UPDATE`, [id, owner]);
        if (!held) throw new LeaseLostError(id);
        await tx.query(`UPDATE sagas SET lease_until = $2, updated_at = $3 WHERE id = $1`, [id, iso(leaseUntil), iso(now)]);
        return work(tx);
      });
    },

    async stepStarted(tx: Queryable, id: string, step: { position: number; name: string; system: string }, now: Date): Promise<StepRow> {
      const row = await one<StepRow>(
        tx,
        `INSERT INTO saga_steps (saga_id, position, name, system, status, attempts, started_at) VALUES ($1, $2, $3, $4, 'started', 1, $5)
         ON CONFLICT (saga_id, position) DO UPDATE SET status = 'started', attempts = saga_steps.attempts + 1, error = NULL, error_code = NULL
         RETURNING ${STEP_COLUMNS}`,
        [id, step.position, step.name, step.system, iso(now)],
      );
      return row!;
    },

    async stepProgress(tx: Queryable, id: string, position: number, progress: Json): Promise<void> {
      await tx.query(`UPDATE saga_steps SET progress = $3::jsonb WHERE saga_id = $1 AND position = $2`, [id, position, json(progress)]);
    },

    async stepDone(tx: Queryable, id: string, position: number, result: Json, now: Date): Promise<void> {
      await tx.query(`UPDATE saga_steps SET status = 'done', result = $3::jsonb, done_at = $4 WHERE saga_id = $1 AND position = $2`, [
        id,
        position,
        json(result),
        iso(now),
      ]);
    },

    async stepFailed(tx: Queryable, id: string, position: number, failure: { code: string; message: string }): Promise<void> {
      await tx.query(`UPDATE saga_steps SET status = 'failed', error = $3, error_code = $4 WHERE saga_id = $1 AND position = $2`, [
        id,
        position,
        failure.message,
        failure.code,
      ]);
    },

    async stepCompensated(tx: Queryable, id: string, position: number, now: Date): Promise<void> {
      await tx.query(
        `UPDATE saga_steps SET status = 'compensated', compensated_at = $3, compensation_error = NULL WHERE saga_id = $1 AND position = $2`,
        [id, position, iso(now)],
      );
    },

    async stepCompensationFailed(tx: Queryable, id: string, position: number, error: string): Promise<void> {
      await tx.query(`UPDATE saga_steps SET compensation_error = $3 WHERE saga_id = $1 AND position = $2`, [id, position, error]);
    },

    /** Moves the saga to compensating with the failure the caller will be told. */
    async compensating(tx: Queryable, id: string, failure: SagaFailure): Promise<void> {
      await tx.query(`UPDATE sagas SET status = 'compensating', error = $2::jsonb WHERE id = $1`, [id, json(failure)]);
    },

    /** Ends the saga and gives up its lease. */
    async finish(
      tx: Queryable,
      id: string,
      outcome: { status: 'completed'; result: Json } | { status: 'failed' },
      now: Date,
    ): Promise<void> {
      await tx.query(
        `UPDATE sagas SET status = $2, result = $3::jsonb, compensated = CASE WHEN $2 = 'failed' THEN true ELSE NULL END,
           finished_at = $4, updated_at = $4, lease_owner = NULL, lease_until = NULL WHERE id = $1`,
        [id, outcome.status, json(outcome.status === 'completed' ? outcome.result : null), iso(now)],
      );
    },

    /** Gives up the lease until `retryAt` (a compensation that must be tried again later, by any process). */
    async release(tx: Queryable, id: string, retryAt: Date, compensated: boolean | null): Promise<void> {
      await tx.query(`UPDATE sagas SET lease_owner = NULL, lease_until = $2, compensated = $3 WHERE id = $1`, [
        id,
        iso(retryAt),
        compensated,
      ]);
    },
  };
}
