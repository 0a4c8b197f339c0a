/**
 * Schema input -> Mixpanel /import events: validation, $insert_id derivation, and batches within Mixpanel's
 * per-request caps. Pure.
 */
import { createHash } from 'node:crypto';
import type { TrackEventFailure } from './__generated__/resolvers.js';
import type { MixpanelEvent } from './wire.js';

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
  return createHash('sha256')
    .update(canonicalJson([event.name, event.distinctId, event.timeMs, event.properties]))
    .digest('hex')
    .slice(0, 32);
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
export function splitBatches<T extends { bytes: number }>(
  events: readonly T[],
  maxEvents = MAX_IMPORT_EVENTS,
  maxBytes = MAX_IMPORT_BYTES,
): T[][] {
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
