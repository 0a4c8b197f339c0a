import type { Queryable, VendorEvent } from '../platform/index.js';

export type EventStatus = 'pending' | 'applied' | 'stale' | 'failed' | 'dead';
export const EVENT_STATUSES: readonly EventStatus[] = ['pending', 'applied', 'stale', 'failed', 'dead'];

/** One row of the event log, as the CLI and the admin routes show it. */
export type LoggedEvent = {
  id: number;
  vendor: string;
  vendorEventId: string;
  type: string;
  entity: string;
  occurredAt: string;
  receivedAt: string;
  source: 'webhook' | 'catch-up';
  status: EventStatus;
  attempts: number;
  applications: number;
  lastError: string | null;
  appliedAt: string | null;
  payload?: unknown;
  change?: unknown;
};

/** Which events a listing, a replay or a redrive covers; every field narrows. */
export type EventFilter = {
  status?: EventStatus;
  vendor?: string;
  type?: string;
  /** occurred at or after */
  since?: Date;
  /** occurred before */
  until?: Date;
  ids?: readonly number[];
};

const COLUMNS = `id, vendor, vendor_event_id, type, entity, occurred_at, received_at, source, status, attempts, applications, last_error, applied_at`;

type Row = {
  id: string | number;
  vendor: string;
  vendor_event_id: string;
  type: string;
  entity: string;
  occurred_at: Date | string;
  received_at: Date | string;
  source: 'webhook' | 'catch-up';
  status: EventStatus;
  attempts: number;
  applications: number;
  last_error: string | null;
  applied_at: Date | string | null;
  payload?: unknown;
  change?: unknown;
};

const iso = (value: Date | string) => new Date(value).toISOString();

function toLoggedEvent(row: Row): LoggedEvent {
  return {
    id: Number(row.id),
    vendor: row.vendor,
    vendorEventId: row.vendor_event_id,
    type: row.type,
    entity: row.entity,
    occurredAt: iso(row.occurred_at),
    receivedAt: iso(row.received_at),
    source: row.source,
    status: row.status,
    attempts: row.attempts,
    applications: row.applications,
    lastError: row.last_error,
    appliedAt: row.applied_at === null ? null : iso(row.applied_at),
    ...(row.payload === undefined ? {} : { payload: row.payload, change: row.change }),
  };
}

/** A row the append created: its log id and the vendor's key it was created for. */
export type AppendedEvent = { id: number; vendor: string; vendorEventId: string };

/**
 * Appends events in one statement; a (vendor, vendor id) already in the log, or earlier in the same batch, is
 * skipped. Returns the rows created, in id order, so only those are enqueued: a duplicate delivery is
 * acknowledged and never applied again. `enqueue(source)` gives SQL run over the new rows as part of the same
 * statement (events/jobs.ts applyJobsFrom): appended and enqueued in one round trip and one transaction, even
 * without an explicit one, so neither can exist without the other.
 */
export async function appendEvents(
  db: Queryable,
  events: readonly VendorEvent[],
  source: 'webhook' | 'catch-up',
  enqueue?: (source: string) => string,
): Promise<AppendedEvent[]> {
  if (events.length === 0) return [];
  // unnest keeps a batch (many deliveries, or a HubSpot delivery of up to 100 events) one parameterized statement.
  const { rows } = await db.query<{ id: string; vendor: string; vendor_event_id: string }>(
    `WITH appended AS (
       INSERT INTO event_log (vendor, vendor_event_id, type, entity, occurred_at, source, payload, change, state)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[], $7::jsonb[], $8::jsonb[], $9::jsonb[])
       ON CONFLICT (vendor, vendor_event_id) DO NOTHING
       RETURNING id, vendor, vendor_event_id
     )${enqueue ? `, enqueued AS (${enqueue('(SELECT id, false AS replay FROM appended) AS s')})` : ''}
     SELECT id, vendor, vendor_event_id FROM appended ORDER BY id`,
    [
      events.map((event) => event.vendor),
      events.map((event) => event.id),
      events.map((event) => event.type),
      events.map((event) => event.entity),
      events.map((event) => event.occurredAt.toISOString()),
      events.map(() => source),
      events.map((event) => JSON.stringify(event.payload)),
      events.map((event) => JSON.stringify(event.change)),
      events.map((event) => (event.state === undefined ? null : JSON.stringify(event.state))),
    ],
  );
  return rows.map((row) => ({ id: Number(row.id), vendor: row.vendor, vendorEventId: row.vendor_event_id }));
}

function where(filter: EventFilter): { clause: string; params: unknown[] } {
  const conditions: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    conditions.push(sql.replace('?', `$${params.length}`));
  };
  if (filter.status) add('status = ?', filter.status);
  if (filter.vendor) add('vendor = ?', filter.vendor);
  if (filter.type) add('type = ?', filter.type);
  if (filter.since) add('occurred_at >= ?', filter.since.toISOString());
  if (filter.until) add('occurred_at < ?', filter.until.toISOString());
  if (filter.ids) add('id = ANY(?::bigint[])', filter.ids.map(String));
  return { clause: conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '', params };
}

/** Events matching the filter, oldest first, `limit` at most after the id `after`. */
export async function listEvents(db: Queryable, filter: EventFilter, page: { limit: number; after?: number }): Promise<LoggedEvent[]> {
  const { clause, params } = where(filter);
  params.push(page.after ?? 0, page.limit);
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM event_log ${clause ? `${clause} AND` : 'WHERE'} id > $${params.length - 1} ORDER BY id LIMIT $${params.length}`,
    params,
  );
  return rows.map(toLoggedEvent);
}

/** The ids of every event matching the filter, oldest first. */
export async function matchingIds(db: Queryable, filter: EventFilter): Promise<number[]> {
  const { clause, params } = where(filter);
  const { rows } = await db.query<{ id: string }>(`SELECT id FROM event_log ${clause} ORDER BY id`, params);
  return rows.map((row) => Number(row.id));
}

/** Counts by status, for the summary lines of the CLI and the admin route. */
export async function countByStatus(db: Queryable, filter: EventFilter = {}): Promise<Record<EventStatus, number>> {
  const { clause, params } = where(filter);
  const { rows } = await db.query<{ status: EventStatus; count: string }>(
    `SELECT status, count(*) AS count FROM event_log ${clause} GROUP BY status`,
    params,
  );
  const counts = Object.fromEntries(EVENT_STATUSES.map((status) => [status, 0])) as Record<EventStatus, number>;
  for (const row of rows) counts[row.status] = Number(row.count);
  return counts;
}

/** One event with its payload and domain change; undefined when the id is not in the log. */
export async function getEvent(db: Queryable, id: number): Promise<LoggedEvent | undefined> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS}, payload, change FROM event_log WHERE id = $1`, [id]);
  return rows[0] ? toLoggedEvent(rows[0]) : undefined;
}
