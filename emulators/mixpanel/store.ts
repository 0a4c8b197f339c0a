/**
 * The project's events as raw storage holds them (repeats of an `$insert_id` included), kept in time order, with each event's export line built
 * once and cached, so an export over tens of thousands of events is a binary search, a filter and a join.
 */

import { createHash } from 'node:crypto';

/** One stored event as tests see it through `events()`. */
export type MixpanelEvent = {
  readonly event: string;
  /** When it happened, ms since epoch (Mixpanel keeps ms precision and exports seconds unless asked). */
  readonly timeMs: number;
  /** The properties as /api/2.0/export shows them by default: `time` first, in whole seconds. */
  readonly properties: Readonly<Record<string, unknown>>;
};

type Row = {
  event: string;
  timeMs: number;
  properties: Readonly<Record<string, unknown>>;
  /** Arrival order: breaks ties between events at the same ms, so exports are stable. */
  seq: number;
  line?: string;
  lineMs?: string;
};

/**
 * Whether an event repeats one already stored by Mixpanel's dedupe key (event, distinct_id, time in ms,
 * $insert_id). Mixpanel keeps such repeats in raw storage and the raw export returns every one of them; only
 * its reports deduplicate, at query time. Events without an `$insert_id` are never duplicates.
 */
export type StoreResult = 'stored' | 'duplicate';

function dedupeKey(event: string, timeMs: number, properties: Record<string, unknown>): string | undefined {
  const insertId = properties['$insert_id'];
  if (typeof insertId !== 'string' || insertId === '') return undefined;
  const distinctId = properties['distinct_id'];
  // Kept as a digest: the seed alone stores about 40,000 events, and their joined keys held 10 MB of the
  // embedded stack's heap where 20-byte digests hold 2 MB (bench/reports/soak.md).
  return createHash('sha1')
    .update(`${event}\u0000${distinctId === undefined ? '' : String(distinctId)}\u0000${timeMs}\u0000${insertId}`)
    .digest('base64');
}

export class EventStore {
  private rows: Row[] = [];
  private sorted = true;
  private readonly keys = new Set<string>();
  private seq = 0;

  get size(): number {
    return this.rows.length;
  }

  /** Stores the event; a repeat of a stored one is kept too (the export shows duplicates) and reported as such. */
  add(event: string, timeMs: number, properties: Record<string, unknown>): StoreResult {
    const { time: _ignored, ...rest } = properties;
    const stored = Object.freeze({ time: Math.floor(timeMs / 1000), ...rest });
    const key = dedupeKey(event, timeMs, properties);
    const duplicate = key !== undefined && this.keys.has(key);
    if (key !== undefined) this.keys.add(key);
    const row: Row = { event, timeMs, properties: stored, seq: this.seq++ };
    const last = this.rows[this.rows.length - 1];
    if (last && last.timeMs > timeMs) this.sorted = false;
    this.rows.push(row);
    return duplicate ? 'duplicate' : 'stored';
  }

  /** Events with fromMs <= time < toMs, in time order. */
  range(fromMs: number, toMs: number): readonly Row[] {
    const rows = this.ordered();
    return rows.slice(lowerBound(rows, fromMs), lowerBound(rows, toMs));
  }

  all(): MixpanelEvent[] {
    return this.ordered().map((row) => ({ event: row.event, timeMs: row.timeMs, properties: row.properties }));
  }

  /** The JSONL line /api/2.0/export writes for a row, `time` in seconds or (timeInMs) milliseconds. */
  static line(row: Row, timeInMs: boolean): string {
    if (timeInMs) {
      row.lineMs ??= JSON.stringify({ event: row.event, properties: { ...row.properties, time: row.timeMs } });
      return row.lineMs;
    }
    row.line ??= JSON.stringify({ event: row.event, properties: row.properties });
    return row.line;
  }

  private ordered(): Row[] {
    if (!this.sorted) {
      this.rows.sort((a, b) => a.timeMs - b.timeMs || a.seq - b.seq);
      this.sorted = true;
    }
    return this.rows;
  }
}

export type StoredRow = Row;

function lowerBound(rows: readonly Row[], timeMs: number): number {
  let low = 0;
  let high = rows.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (rows[mid]!.timeMs < timeMs) low = mid + 1;
    else high = mid;
  }
  return low;
}
