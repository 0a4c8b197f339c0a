/**
 * The analytics read model's SQL: events kept from the vendor's raw export (and from trackEvents), deduplicated
 * by Mixpanel's own key, and read back by person or by event name. The sync that fills it is analytics-sync.ts.
 */
import type { AnalyticsEvent, AnalyticsReadModel, Database, Queryable, ReadModelStatus, TimeWindow } from '../platform/index.js';

/** Rows per INSERT: one JSON parameter each, so a day of events is a handful of statements. */
const CHUNK = 1000;

export type StoredSource = 'export' | 'track';

type EventRow = {
  insert_id: string | null;
  name: string;
  distinct_id: string;
  time_ms: string | number;
  properties: string | Record<string, unknown>;
};

const toEvent = (row: EventRow): AnalyticsEvent => ({
  name: row.name,
  timeMs: Number(row.time_ms),
  distinctId: row.distinct_id,
  insertId: row.insert_id ?? undefined,
  // A json column: PGlite and pg both parse it, but a driver that hands back text is read the same way.
  properties: typeof row.properties === 'string' ? (JSON.parse(row.properties) as Record<string, unknown>) : row.properties,
});

/** Mixpanel's dedupe key: event name, distinct_id, time (ms) and $insert_id; undefined (never merged) without an id. */
const dedupeKey = (event: AnalyticsEvent): string | undefined =>
  event.insertId === undefined ? undefined : JSON.stringify([event.insertId, event.name, event.distinctId, event.timeMs]);

/**
 * PostgreSQL text cannot hold U+0000, so an event whose name, distinct id or insert id carries one cannot be
 * stored (its properties can: they are kept as json text, escapes and all).
 */
const storable = (event: AnalyticsEvent): boolean =>
  !`${event.name}${event.distinctId}${event.insertId ?? ''}`.includes('\u0000') && Number.isSafeInteger(event.timeMs);

/** Copies of one key collapse to the last one, as Mixpanel keeps the most recent version (and one INSERT may touch a row once). */
export function collapseCopies(events: readonly AnalyticsEvent[]): AnalyticsEvent[] {
  const kept: AnalyticsEvent[] = [];
  const positions = new Map<string, number>();
  for (const event of events) {
    const key = dedupeKey(event);
    const position = key === undefined ? undefined : positions.get(key);
    if (position !== undefined) kept[position] = event;
    else {
      if (key !== undefined) positions.set(key, kept.length);
      kept.push(event);
    }
  }
  return kept;
}

/**
 * Stores events, each once by its dedupe key (a repeat replaces the properties: Mixpanel keeps the most recent
 * version; `source` stays `export` once the export has shown the event). Returns how many were stored and how many were unstorable (skipped).
 */
export async function storeEvents(
  tx: Queryable,
  vendor: string,
  events: readonly AnalyticsEvent[],
  source: StoredSource,
): Promise<{ stored: number; skipped: number }> {
  const ready = collapseCopies(events.filter(storable));
  for (let start = 0; start < ready.length; start += CHUNK) {
    const slice = ready.slice(start, start + CHUNK);
    // Parallel arrays, the properties as JSON text cast to json (not jsonb): json keeps the text as given,
    // \u0000 escapes and lone surrogates included, where jsonb and a json-to-text conversion refuse them.
    await tx.query(
      `INSERT INTO analytics_events (vendor, insert_id, name, distinct_id, time_ms, properties, source)
       SELECT $1, r.insert_id, r.name, r.distinct_id, r.time_ms, r.properties::json, $2
       FROM unnest($3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[]) AS r(insert_id, name, distinct_id, time_ms, properties)
       ON CONFLICT (vendor, insert_id, name, distinct_id, time_ms) WHERE insert_id IS NOT NULL
       DO UPDATE SET properties = EXCLUDED.properties,
         source = CASE WHEN EXCLUDED.source = 'export' THEN 'export' ELSE analytics_events.source END`,
      [
        vendor,
        source,
        slice.map((event) => event.insertId ?? null),
        slice.map((event) => event.name),
        slice.map((event) => event.distinctId),
        slice.map((event) => event.timeMs),
        slice.map((event) => JSON.stringify(event.properties)),
      ],
    );
  }
  return { stored: ready.length, skipped: events.length - events.filter(storable).length };
}

/**
 * Events without an $insert_id cannot be matched to a stored copy, so a re-read replaces them: the export of
 * these days is the whole truth for them.
 */
export async function dropUnkeyed(tx: Queryable, vendor: string, window: TimeWindow): Promise<void> {
  await tx.query(`DELETE FROM analytics_events WHERE vendor = $1 AND insert_id IS NULL AND time_ms >= $2 AND time_ms < $3`, [
    vendor,
    window.sinceMs,
    window.untilMs,
  ]);
}

export async function readStatus(db: Queryable, vendor: string): Promise<ReadModelStatus> {
  const { rows } = await db.query<{ covered_from_ms: string | number | null; synced_through_ms: string | number | null }>(
    'SELECT covered_from_ms, synced_through_ms FROM analytics_sync WHERE vendor = $1',
    [vendor],
  );
  const row = rows[0];
  const number = (value: string | number | null | undefined) => (value === null || value === undefined ? null : Number(value));
  return { syncedThroughMs: number(row?.synced_through_ms), coveredFromMs: number(row?.covered_from_ms) };
}

/** Distinct values a text[] parameter can carry (one with U+0000 is never stored, so it matches nothing anyway). */
const queryable = (values: readonly string[]): string[] => [...new Set(values)].filter((value) => !value.includes('\u0000'));

const COLUMNS = 'insert_id, name, distinct_id, time_ms, properties';

/** The read model the analytics subgraph is handed (through the launcher): reads, and trackEvents' writes. */
export function createAnalyticsReadModel(db: Database, vendor = 'mixpanel'): AnalyticsReadModel {
  return {
    status: () => readStatus(db, vendor),
    async eventsOf(distinctIds, window) {
      const byPerson = new Map<string, AnalyticsEvent[]>();
      if (distinctIds.length === 0) return byPerson;
      const { rows } = await db.query<EventRow>(
        `SELECT ${COLUMNS} FROM analytics_events
         WHERE vendor = $1 AND distinct_id = ANY($2::text[]) AND time_ms >= $3 AND time_ms < $4
         ORDER BY time_ms, id`,
        [vendor, queryable(distinctIds), window.sinceMs, window.untilMs],
      );
      for (const row of rows) {
        const event = toEvent(row);
        const list = byPerson.get(event.distinctId);
        if (list) list.push(event);
        else byPerson.set(event.distinctId, [event]);
      }
      return byPerson;
    },
    async eventsNamed(names, window) {
      if (names.length === 0) return [];
      const { rows } = await db.query<EventRow>(
        `SELECT ${COLUMNS} FROM analytics_events
         WHERE vendor = $1 AND name = ANY($2::text[]) AND time_ms >= $3 AND time_ms < $4
         ORDER BY time_ms, id`,
        [vendor, queryable(names), window.sinceMs, window.untilMs],
      );
      return rows.map(toEvent);
    },
    async record(events) {
      if (events.length === 0) return;
      await db.transaction((tx) => storeEvents(tx, vendor, events, 'track'));
    },
  };
}
