import type { Migration } from '../platform/index.js';

/**
 * The event pipeline's tables. Shipped migrations are never edited: a change is a new version.
 * - event_log: one row per vendor event (unique vendor + vendor id, so redeliveries are recognized); the
 *   payload never changes after the append, only the processing columns do.
 * - entity_state: per entity, the newest event applied and the state it carried (the order check and a read
 *   model of the vendor's truth).
 * - catch_up_cursors: where each vendor's catch-up reader left off.
 */
export const EVENT_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'event log, entity state, catch-up cursors',
    sql: `
      CREATE TABLE event_log (
        id bigserial PRIMARY KEY,
        vendor text NOT NULL,
        vendor_event_id text NOT NULL,
        type text NOT NULL,
        entity text NOT NULL,
        occurred_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        source text NOT NULL DEFAULT 'webhook' CHECK (source IN ('webhook', 'catch-up')),
        payload jsonb NOT NULL,
        change jsonb NOT NULL,
        state jsonb,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'applied', 'stale', 'failed', 'dead')),
        attempts integer NOT NULL DEFAULT 0,
        applications integer NOT NULL DEFAULT 0,
        last_error text,
        applied_at timestamptz,
        UNIQUE (vendor, vendor_event_id)
      );
      CREATE INDEX event_log_status ON event_log (status, id);
      CREATE INDEX event_log_vendor_time ON event_log (vendor, occurred_at);
      CREATE TABLE entity_state (
        vendor text NOT NULL,
        entity text NOT NULL,
        occurred_at timestamptz NOT NULL,
        event_id bigint NOT NULL REFERENCES event_log (id),
        state jsonb,
        PRIMARY KEY (vendor, entity)
      );
      CREATE TABLE catch_up_cursors (
        vendor text PRIMARY KEY,
        cursor text,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
];
