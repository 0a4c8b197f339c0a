/**
 * Mixpanel events -> schema types, windows -> export days, funnels and time series, and schema input ->
 * Mixpanel import events. Pure: no I/O, no clock (callers pass `now`).
 */
import { createHash } from 'node:crypto';
import { BadUserInputError, encodeCursor, readPageArgs, type Connection } from '../kit/index.js';
import type { CustomerEventCount, EventCountBucket, EventInterval, FunnelStep, TrackEventFailure } from './__generated__/resolvers.js';

export const DAY_MS = 24 * 3600 * 1000;

/** One line of `/api/2.0/export` (and one element of an `/import` body): `{event, properties}`. */
export type MixpanelEvent = { event: string; properties: Record<string, unknown> };

/** An exported event with its standard properties read once; `properties` holds the rest. */
export type RawEvent = {
  name: string;
  timeMs: number;
  distinctId: string;
  insertId: string | undefined;
  properties: Record<string, unknown>;
};

/** What the Customer resolvers receive: the representation the gateway joined by (email may be null in the CRM). */
export type CustomerModel = { __typename: 'Customer'; email: string | null };

/** An Event without `customer`, which its resolver derives from the distinct id. */
export type EventModel = {
  __typename: 'Event';
  id: string;
  name: string;
  time: string;
  distinctId: string;
  properties: Record<string, unknown>;
};

// Below this a number is read as seconds: 1e11 s is the year 5138, 1e11 ms is 1973.
const SECONDS_BELOW = 1e11;

/** Mixpanel's `time`: seconds by default, milliseconds with `time_in_ms`; both may carry fractions. */
export function toEpochMs(time: unknown): number | undefined {
  const value = typeof time === 'string' && time.trim() !== '' ? Number(time) : time;
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  return Math.round(Math.abs(value) < SECONDS_BELOW ? value * 1000 : value);
}

/** One exported event, or undefined when it lacks a name, a time or a distinct id (nothing to show it as). */
export function toRawEvent(line: unknown): RawEvent | undefined {
  if (typeof line !== 'object' || line === null) return undefined;
  const { event, properties } = line as Partial<MixpanelEvent>;
  if (typeof event !== 'string' || typeof properties !== 'object' || properties === null) return undefined;
  const { time, distinct_id: distinctId, $insert_id: insertId, ...rest } = properties;
  const timeMs = toEpochMs(time);
  if (timeMs === undefined || (typeof distinctId !== 'string' && typeof distinctId !== 'number')) return undefined;
  return {
    name: event,
    timeMs,
    distinctId: String(distinctId),
    insertId: typeof insertId === 'string' && insertId !== '' ? insertId : undefined,
    properties: rest,
  };
}

/** The export body (JSONL): events in the order Mixpanel wrote them; `malformed` counts lines that were skipped. */
export function parseExport(body: string): { events: RawEvent[]; malformed: number } {
  const events: RawEvent[] = [];
  let malformed = 0;
  for (const line of body.split('\n')) {
    if (line.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      malformed++;
      continue;
    }
    const event = toRawEvent(parsed);
    if (event) events.push(event);
    else malformed++;
  }
  return { events, malformed };
}

/** A stable id for an event: its `$insert_id`, else a hash of what identifies it. */
export function eventId(event: RawEvent): string {
  if (event.insertId) return event.insertId;
  return `h-${createHash('sha256').update(JSON.stringify([event.name, event.distinctId, event.timeMs])).digest('hex').slice(0, 32)}`;
}

export function toEvent(event: RawEvent): EventModel {
  return {
    __typename: 'Event',
    id: eventId(event),
    name: event.name,
    time: new Date(event.timeMs).toISOString(),
    distinctId: event.distinctId,
    properties: event.properties,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Windows and export days

/** An interval of time: sinceMs inclusive, untilMs exclusive. */
export type Window = { sinceMs: number; untilMs: number };

/** Whole UTC days, as day numbers since the epoch, both inclusive. */
export type DayRange = { from: number; to: number };

/**
 * The window a query asks for. `until` defaults to now, `since` to `defaultDays` before `until`. Refuses
 * an empty or reversed window and one longer than `maxDays`, naming the argument.
 */
export function toWindow(
  args: { since?: string | null; until?: string | null },
  options: { now: number; defaultDays: number; maxDays: number },
): Window {
  const untilMs = args.until ? Date.parse(args.until) : options.now;
  const sinceMs = args.since ? Date.parse(args.since) : untilMs - options.defaultDays * DAY_MS;
  if (sinceMs >= untilMs) throw new BadUserInputError('`since` must be before `until`.', 'since');
  if (untilMs - sinceMs > options.maxDays * DAY_MS) {
    throw new BadUserInputError(`The window from \`since\` to \`until\` is longer than ${options.maxDays} days; ask for a shorter one.`, 'since');
  }
  return { sinceMs, untilMs };
}

export const dayOf = (ms: number): number => Math.floor(ms / DAY_MS);

/** `YYYY-MM-DD` of a day number, the export API's date format. */
export const dayString = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

/**
 * The UTC days to export for a window. The export refuses days after today, and no event can be stored
 * later than now, so the range stops at today. Undefined when the window lies wholly in the future.
 */
export function toDayRange(window: Window, now: number): DayRange | undefined {
  const from = dayOf(window.sinceMs);
  const to = Math.min(dayOf(window.untilMs - 1), dayOf(now));
  return to < from ? undefined : { from, to };
}

export const inWindow = (window: Window) => (event: RawEvent): boolean => event.timeMs >= window.sinceMs && event.timeMs < window.untilMs;

/** The export `where` that selects these distinct ids: one `in` over a list literal (a set lookup per event). */
export function toDistinctIdWhere(distinctIds: readonly string[]): string {
  return `properties["distinct_id"] in [${distinctIds.map((id) => JSON.stringify(id)).join(',')}]`;
}

// ---------------------------------------------------------------------------------------------------------
// Customer activity

/** A cursor position: the event a page ended with, so a page resumes right after it even as new events arrive. */
const anchorOf = (event: RawEvent): string => `${event.timeMs}:${eventId(event)}`;

/** A page of a customer's events, `events` newest first. `first` is 1 to 100 (default 10). */
export function toEventConnection(events: readonly RawEvent[], args: { first?: number | null; after?: string | null }): Connection<EventModel> {
  const request = readPageArgs(args, 100, 10);
  let start = 0;
  if (request.vendorAfter !== undefined) {
    const match = /^(-?\d+):(.+)$/.exec(request.vendorAfter);
    if (!match) throw new BadUserInputError('`after` is not a cursor this list gave out; pass back a cursor from pageInfo or an edge.', 'after');
    const timeMs = Number(match[1]);
    const at = events.findIndex((event) => event.timeMs === timeMs && eventId(event) === match[2]);
    // The anchor event may be gone (deleted meanwhile): resume with the first older event.
    start = at >= 0 ? at + 1 : events.findIndex((event) => event.timeMs < timeMs);
    if (start < 0) start = events.length;
  }
  start += request.skip;
  const page = events.slice(start, start + request.first);
  const edges = page.map((event) => ({ cursor: encodeCursor(anchorOf(event), 0), node: toEvent(event) }));
  return {
    edges,
    nodes: edges.map((edge) => edge.node),
    pageInfo: {
      hasNextPage: start + page.length < events.length,
      hasPreviousPage: start > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
    totalCount: events.length,
  };
}

/** Events newest first; ties keep the reverse of Mixpanel's order, so the order is stable between calls. */
export function newestFirst(events: readonly RawEvent[]): RawEvent[] {
  return events
    .map((event, index) => ({ event, index }))
    .sort((a, b) => b.event.timeMs - a.event.timeMs || b.index - a.index)
    .map(({ event }) => event);
}

/** The newest event's time as ISO, or null. */
export function toLastSeenAt(events: readonly RawEvent[]): string | null {
  let newest = Number.NEGATIVE_INFINITY;
  for (const event of events) if (event.timeMs > newest) newest = event.timeMs;
  return Number.isFinite(newest) ? new Date(newest).toISOString() : null;
}

/** Counts per event name, most frequent first then by name; with `names`, exactly those (zeros included). */
export function toCustomerEventCounts(events: readonly RawEvent[], names?: readonly string[] | null): CustomerEventCount[] {
  const counts = new Map<string, number>((names ?? []).map((name) => [name, 0]));
  for (const event of events) {
    if (names && !counts.has(event.name)) continue;
    counts.set(event.name, (counts.get(event.name) ?? 0) + 1);
  }
  return [...counts]
    .map(([event, count]) => ({ __typename: 'CustomerEventCount' as const, event, count }))
    .sort((a, b) => b.count - a.count || a.event.localeCompare(b.event));
}

// ---------------------------------------------------------------------------------------------------------
// Time series

/** The UTC calendar start of the bucket containing `ms`. */
export function bucketStart(ms: number, interval: EventInterval): number {
  const date = new Date(ms);
  const day = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
  switch (interval) {
    case 'DAY':
      return day;
    case 'WEEK':
      // getUTCDay: Sunday 0 ... Saturday 6; ISO weeks start on Monday.
      return day - ((date.getUTCDay() + 6) % 7) * DAY_MS;
    case 'MONTH':
      return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
    default: {
      const unreachable: never = interval;
      throw new Error(`unknown interval ${String(unreachable)}`);
    }
  }
}

export function nextBucket(start: number, interval: EventInterval): number {
  if (interval === 'MONTH') {
    const date = new Date(start);
    return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
  }
  return start + (interval === 'WEEK' ? 7 : 1) * DAY_MS;
}

/** Every bucket the window touches, with the count and distinct users of the window's events in each. */
export function toBuckets(events: readonly RawEvent[], window: Window, interval: EventInterval): EventCountBucket[] {
  const starts: number[] = [];
  for (let start = bucketStart(window.sinceMs, interval); start < window.untilMs; start = nextBucket(start, interval)) starts.push(start);
  const counts = starts.map(() => ({ count: 0, users: new Set<string>() }));
  for (const event of events) {
    if (event.timeMs < window.sinceMs || event.timeMs >= window.untilMs) continue;
    // The last bucket starting at or before the event (binary search: windows may hold a year of days).
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >>> 1;
      if (starts[mid]! <= event.timeMs) low = mid;
      else high = mid - 1;
    }
    const bucket = counts[low]!;
    bucket.count++;
    bucket.users.add(event.distinctId);
  }
  return starts.map((start, index) => ({
    __typename: 'EventCountBucket' as const,
    start: new Date(start).toISOString(),
    end: new Date(nextBucket(start, interval)).toISOString(),
    count: counts[index]!.count,
    users: counts[index]!.users.size,
  }));
}

// ---------------------------------------------------------------------------------------------------------
// Funnels

/**
 * How far one user got: the most steps reached from any entry. From an entry (an event of the first step),
 * each later step is the earliest later event of that step within `windowMs` of the entry; taking the
 * earliest match is what lets the most later steps still fit. `events` are the user's, in time order.
 */
export function funnelDepth(events: readonly RawEvent[], steps: readonly string[], windowMs: number): number {
  let best = 0;
  for (let entry = 0; entry < events.length && best < steps.length; entry++) {
    if (events[entry]!.name !== steps[0]) continue;
    const deadline = events[entry]!.timeMs + windowMs;
    let depth = 1;
    for (let next = entry + 1; next < events.length && depth < steps.length; next++) {
      const event = events[next]!;
      if (event.timeMs > deadline) break;
      if (event.name === steps[depth]) depth++;
    }
    if (depth > best) best = depth;
  }
  return best;
}

/** The funnel over every user's events: only events inside `window` count, for entries and later steps alike. */
export function toFunnelSteps(events: readonly RawEvent[], steps: readonly string[], window: Window, windowMs: number): FunnelStep[] {
  const wanted = new Set(steps);
  const byUser = new Map<string, RawEvent[]>();
  for (const event of events) {
    if (!wanted.has(event.name) || event.timeMs < window.sinceMs || event.timeMs >= window.untilMs) continue;
    const list = byUser.get(event.distinctId) ?? [];
    list.push(event);
    byUser.set(event.distinctId, list);
  }
  const reached = steps.map(() => 0);
  for (const list of byUser.values()) {
    // Stable: events at the same ms keep Mixpanel's order.
    list.sort((a, b) => a.timeMs - b.timeMs);
    const depth = funnelDepth(list, steps, windowMs);
    for (let step = 0; step < depth; step++) reached[step]!++;
  }
  const ratio = (count: number, of: number): number => (of === 0 ? 0 : count / of);
  return steps.map((event, index) => ({
    __typename: 'FunnelStep' as const,
    position: index + 1,
    event,
    count: reached[index]!,
    conversionFromPrevious: index === 0 ? 1 : ratio(reached[index]!, reached[index - 1]!),
    conversionFromFirst: index === 0 ? 1 : ratio(reached[index]!, reached[0]!),
  }));
}

// ---------------------------------------------------------------------------------------------------------
// Ingestion

/** Mixpanel's /import caps: events per request, and bytes per request (the smaller reading of "10 MB"). */
export const MAX_IMPORT_EVENTS = 2000;
export const MAX_IMPORT_BYTES = 10_000_000;
/** Each event must stay under 1 MB of JSON. */
export const MAX_EVENT_BYTES = 1024 * 1024;

export type TrackEventInput = {
  name: string;
  distinctId: string;
  time: string;
  insertId?: string | null;
  properties?: unknown;
};

/** An event ready for /import, with its place in the caller's input and its size in the body. */
export type PreparedEvent = { index: number; event: MixpanelEvent; insertId: string; bytes: number };

const RESERVED = new Set(['time', 'distinct_id', '$insert_id', 'token']);

/** JSON with object keys sorted at every level, so equal values hash equally whatever their key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * The `$insert_id` for an event given without one: a hash of everything the caller said about it, so sending
 * the same input again yields the same id and Mixpanel stores it once. 32 hex characters (Mixpanel: <= 36).
 */
export function deriveInsertId(event: { name: string; distinctId: string; timeMs: number; properties: Record<string, unknown> }): string {
  return createHash('sha256').update(canonicalJson([event.name, event.distinctId, event.timeMs, event.properties])).digest('hex').slice(0, 32);
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * One input event as Mixpanel's import event, or the reason it cannot be sent. Checks only what must be right
 * before sending (the shape of properties, the insert id, the size); Mixpanel judges the rest.
 */
export function toImportEvent(input: TrackEventInput, index: number): PreparedEvent | TrackEventFailure {
  const fail = (field: string, reason: string): TrackEventFailure => ({
    __typename: 'TrackEventFailure',
    index,
    field,
    reason,
    insertId: input.insertId ?? null,
  });
  const properties = input.properties ?? {};
  if (!isPlainObject(properties)) return fail('properties', 'properties must be a JSON object');
  const reserved = Object.keys(properties).find((key) => RESERVED.has(key));
  if (reserved) return fail('properties', `properties must not contain "${reserved}"; use the event's own fields`);
  if (input.name.trim() === '') return fail('name', 'name must not be empty');
  if (input.distinctId.trim() === '') return fail('distinctId', 'distinctId must not be empty');
  if (input.insertId != null && !/^[A-Za-z0-9-]{1,36}$/.test(input.insertId)) {
    return fail('insertId', 'insertId must be 1 to 36 letters, digits or dashes');
  }
  const timeMs = Date.parse(input.time);
  if (!Number.isFinite(timeMs)) return fail('time', 'time is not a date-time');
  const insertId = input.insertId ?? deriveInsertId({ name: input.name, distinctId: input.distinctId, timeMs, properties });
  const event: MixpanelEvent = {
    event: input.name,
    properties: { ...properties, time: timeMs, distinct_id: input.distinctId, $insert_id: insertId },
  };
  const bytes = Buffer.byteLength(JSON.stringify(event));
  if (bytes >= MAX_EVENT_BYTES) return fail('properties', `the event is ${bytes} bytes of JSON; Mixpanel takes events under 1 MB`);
  return { index, event, insertId, bytes };
}

/**
 * Splits events into /import requests in input order: each at most `maxEvents` events and `maxBytes` bytes
 * as a JSON array (brackets and commas counted).
 */
export function splitBatches<T extends { bytes: number }>(events: readonly T[], maxEvents = MAX_IMPORT_EVENTS, maxBytes = MAX_IMPORT_BYTES): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let size = 2;
  for (const event of events) {
    const added = event.bytes + (current.length > 0 ? 1 : 0);
    if (current.length > 0 && (current.length >= maxEvents || size + added > maxBytes)) {
      batches.push(current);
      current = [];
      size = 2;
    }
    size += event.bytes + (current.length > 0 ? 1 : 0);
    current.push(event);
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** Mixpanel's name for a field in `failed_records` -> the TrackEventInput field. */
export function toInputField(field: string): string {
  switch (field) {
    case 'event':
      return 'name';
    case 'properties.time':
      return 'time';
    case 'properties.distinct_id':
      return 'distinctId';
    case 'properties.$insert_id':
      return 'insertId';
    default:
      return field.startsWith('properties') ? 'properties' : field;
  }
}
