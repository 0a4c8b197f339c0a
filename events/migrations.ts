import type { Migration } from '../platform/index.js';

/**
 * The event pipeline's tables. Shipped migrations are never edited: a change is a new version.
 * - event_log: one row per vendor event (unique vendor + vendor id, so redeliveries are recognized); the
 *   payload never changes after the append, only the processing columns do.
 * - entity_state: per entity, the newest event applied and the state it carried (the order check and a read
 *   model of the vendor's truth).
 * - catch_up_cursors: where each vendor's catch-up reader left off.
 * - analytics_events (version 2): the analytics read model, Mixpanel's raw export kept incrementally
 *   (events/analytics.ts). One row per event by Mixpanel's dedupe key (name, distinct_id, time, $insert_id);
 *   events without an $insert_id are never merged, as Mixpanel never merges them. Properties are json, not
 *   jsonb: kept as Mixpanel gave them (jsonb refuses \u0000 escapes and lone surrogates, which Mixpanel keeps).
 * - analytics_sync (version 2): per vendor, where the read model is complete (the sync's cursor) and the slot
 *   that keeps every process to one export per interval.
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
  {
    version: 2,
    name: 'analytics read model',
    sql: `
      CREATE TABLE analytics_events (
        id bigserial PRIMARY KEY,
        vendor text NOT NULL,
        insert_id text,
        name text NOT NULL,
        distinct_id text NOT NULL,
        time_ms bigint NOT NULL,
        properties json NOT NULL,
        source text NOT NULL CHECK (source IN ('export', 'track')),
        stored_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX analytics_events_dedupe ON analytics_events (vendor, insert_id, name, distinct_id, time_ms)
        WHERE insert_id IS NOT NULL;
      CREATE INDEX analytics_events_person ON analytics_events (vendor, distinct_id, time_ms);
      CREATE INDEX analytics_events_name ON analytics_events (vendor, name, time_ms);
      CREATE INDEX analytics_events_unkeyed ON analytics_events (vendor, time_ms) WHERE insert_id IS NULL;
      CREATE TABLE analytics_sync (
        vendor text PRIMARY KEY,
        covered_from_ms bigint,
        synced_through_ms bigint,
        attempted_at_ms bigint,
        exports integer NOT NULL DEFAULT 0,
        last_error text,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
];
