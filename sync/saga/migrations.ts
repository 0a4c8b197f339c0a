import type { Migration } from '../../platform/index.js';

/**
 * The saga tables (scope `sagas`). Shipped migrations are never edited: a change is a new version.
 * - sagas: one row per saga: its idempotency key (unique: the same key answers the first outcome), kind, input,
 *   status, the outcome (result or error), and the lease of the process running it (so a crashed process's
 *   saga is taken over once its lease runs out, and never run by two processes at once).
 * - saga_steps: one row per step reached, written before the step's side effect (`started`, with what the
 *   step checked first in `progress`) and after it (`done` with the ids it created), then its compensation.
 */
export const SAGA_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'sagas and their steps',
    sql: `
      CREATE TABLE sagas (
        id text PRIMARY KEY,
        idempotency_key text NOT NULL UNIQUE,
        kind text NOT NULL,
        input jsonb NOT NULL,
        input_hash text NOT NULL,
        status text NOT NULL CHECK (status IN ('running', 'compensating', 'completed', 'failed')),
        result jsonb,
        error jsonb,
        compensated boolean,
        lease_owner text,
        lease_until timestamptz,
        runs integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        finished_at timestamptz
      );
      CREATE INDEX sagas_unfinished ON sagas (lease_until) WHERE status IN ('running', 'compensating');
      CREATE TABLE saga_steps (
        saga_id text NOT NULL REFERENCES sagas (id),
        position integer NOT NULL,
        name text NOT NULL,
        system text NOT NULL,
        status text NOT NULL CHECK (status IN ('started', 'done', 'failed', 'compensated')),
        attempts integer NOT NULL DEFAULT 0,
        progress jsonb,
        result jsonb,
        error text,
        error_code text,
        compensation_error text,
        started_at timestamptz NOT NULL,
        done_at timestamptz,
        compensated_at timestamptz,
        PRIMARY KEY (saga_id, position)
      );
    `,
  },
];
