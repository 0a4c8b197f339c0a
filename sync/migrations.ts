import type { Migration } from '../platform/index.js';

/**
 * The sync records (scope `sync`; sagas keep their own scope). Shipped migrations are never edited: a change is
 * a new version.
 * - sync_links: which Stripe customer and ERP customer belong to a CRM contact (found by email and the contact's
 *   ERP number, kept so a propagation need not search each time).
 * - sync_writes: the outbox of propagation, one row per (change, receiving system), written in the apply
 *   transaction and worked in id order per customer; once done it is also the record of what Interchange wrote,
 *   which is how its own writes are recognized when they come back as events (echo suppression).
 * - sync_fields: per customer and field, the owner's newest value and when it changed at the owner (conflicts
 *   between close changes are decided by it).
 * - sync_resolutions: every conflict, echo and retry decided: what, which value won, why.
 * - sync_drift: the differences the last audit found, per customer, field and system.
 * - sync_customers: per customer, the last time it was known in sync.
 */
export const SYNC_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'links, outbox, field state, resolutions, drift',
    sql: `
      CREATE TABLE sync_links (
        contact_id text PRIMARY KEY,
        email text,
        stripe_id text,
        erp_no text,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX sync_links_email ON sync_links (lower(email));
      CREATE INDEX sync_links_stripe ON sync_links (stripe_id);
      CREATE INDEX sync_links_erp ON sync_links (erp_no);
      CREATE TABLE sync_customers (
        contact_id text PRIMARY KEY,
        last_synced_at timestamptz,
        last_audit_at timestamptz
      );
      CREATE TABLE sync_writes (
        id bigserial PRIMARY KEY,
        contact_id text NOT NULL,
        target text NOT NULL,
        fields jsonb NOT NULL,
        event_id bigint,
        reason text NOT NULL DEFAULT 'propagate',
        idempotency_key text NOT NULL UNIQUE,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        vendor_calls integer NOT NULL DEFAULT 0,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        done_at timestamptz
      );
      CREATE INDEX sync_writes_customer ON sync_writes (contact_id, status, id);
      CREATE INDEX sync_writes_echo ON sync_writes (target, contact_id, done_at);
      CREATE TABLE sync_fields (
        contact_id text NOT NULL,
        field text NOT NULL,
        value jsonb,
        owner text NOT NULL,
        occurred_at timestamptz NOT NULL,
        PRIMARY KEY (contact_id, field)
      );
      CREATE TABLE sync_resolutions (
        id bigserial PRIMARY KEY,
        contact_id text NOT NULL,
        field text NOT NULL,
        system text NOT NULL,
        kind text NOT NULL,
        winner text NOT NULL,
        value jsonb,
        rejected jsonb,
        reason text NOT NULL,
        event_id bigint,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX sync_resolutions_customer ON sync_resolutions (contact_id, id);
      CREATE TABLE sync_drift (
        contact_id text NOT NULL,
        field text NOT NULL,
        system text NOT NULL,
        expected text,
        actual text,
        found_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (contact_id, field, system)
      );
    `,
  },
];
