import { EARLIEST_EVENT_MS, HOUR_MS, toEpochMs } from './dates.js';

/** Per-event limits, as the ingestion API documents them. */
export const MAX_EVENT_BYTES = 1024 * 1024;
export const MAX_PROPERTIES = 255;

/** Values Mixpanel refuses as distinct_id or $insert_id because they betray an implementation mistake. */
const PLACEHOLDER_IDS = new Set([
  '00000000-0000-0000-0000-000000000000',
  'anon',
  'anonymous',
  'nil',
  'none',
  'null',
  'n/a',
  'na',
  'undefined',
  'unknown',
  '<nil>',
  '0',
  '-1',
  'true',
  'false',
  '[]',
  '{}',
]);

export type ValidEvent = { ok: true; event: string; timeMs: number; properties: Record<string, unknown> };
export type InvalidEvent = { ok: false; field: string; message: string; insertId: string | undefined };

export type ValidationRules = {
  now: number;
  /** /import in strict mode requires distinct_id and $insert_id. */
  requireIds: boolean;
  /** Events older than this (ms since epoch) are refused: /track takes only the last 5 days. */
  notBefore: number;
  /** When `time` is absent: /track stamps arrival time, /import refuses. */
  defaultTime: number | undefined;
};

function invalid(field: string, message: string, properties?: Record<string, unknown>): InvalidEvent {
  const insertId = properties?.['$insert_id'];
  return { ok: false, field, message, insertId: typeof insertId === 'string' ? insertId : undefined };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function validateEvent(raw: unknown, rules: ValidationRules, serializedBytes?: number): ValidEvent | InvalidEvent {
  if (!isObject(raw)) return invalid('event', "'event' is invalid: each event must be a JSON object");
  const properties = raw['properties'];
  if (!isObject(properties)) return invalid('properties', "'properties' is required and must be a JSON object");
  const name = raw['event'];
  if (typeof name !== 'string' || name.trim() === '') {
    return invalid('event', "'event' is required and must be a non-empty string", properties);
  }
  const bytes = serializedBytes ?? Buffer.byteLength(JSON.stringify(raw));
  if (bytes >= MAX_EVENT_BYTES) {
    return invalid('event', `event is invalid: it must be smaller than 1MB of uncompressed JSON (it is ${bytes} bytes)`, properties);
  }
  const propertyCount = Object.keys(properties).length;
  if (propertyCount >= MAX_PROPERTIES) {
    return invalid(
      'properties',
      `'properties' is invalid: an event must have fewer than ${MAX_PROPERTIES} properties (it has ${propertyCount})`,
      properties,
    );
  }

  let timeMs: number;
  if (properties['time'] === undefined) {
    if (rules.defaultTime === undefined) return invalid('properties.time', "'properties.time' is required", properties);
    timeMs = rules.defaultTime;
  } else {
    const parsed = toEpochMs(properties['time']);
    if (parsed === undefined) {
      return invalid(
        'properties.time',
        "'properties.time' is invalid: must be specified as seconds or milliseconds since epoch",
        properties,
      );
    }
    timeMs = parsed;
  }
  if (timeMs < EARLIEST_EVENT_MS) {
    return invalid('properties.time', "'properties.time' is invalid: must be after 1971-01-01", properties);
  }
  if (timeMs > rules.now + HOUR_MS) {
    return invalid('properties.time', "'properties.time' is invalid: must not be more than 1 hour in the future", properties);
  }
  if (timeMs < rules.notBefore) {
    return invalid(
      'properties.time',
      "'properties.time' is invalid: /track accepts only events from the last 5 days, use /import",
      properties,
    );
  }

  const distinctId = properties['distinct_id'];
  if (distinctId === undefined) {
    if (rules.requireIds) return invalid('properties.distinct_id', "'properties.distinct_id' is required", properties);
  } else if (typeof distinctId !== 'string' && typeof distinctId !== 'number') {
    return invalid('properties.distinct_id', "'properties.distinct_id' is invalid: must be a string", properties);
  } else if (PLACEHOLDER_IDS.has(String(distinctId).toLowerCase())) {
    return invalid(
      'properties.distinct_id',
      `'properties.distinct_id' is invalid: ${JSON.stringify(String(distinctId))} is not allowed`,
      properties,
    );
  }

  const insertId = properties['$insert_id'];
  if (insertId === undefined) {
    if (rules.requireIds) return invalid('properties.$insert_id', "'properties.$insert_id' is required", properties);
  } else if (typeof insertId !== 'string' || !/^[A-Za-z0-9-]{1,36}$/.test(insertId) || PLACEHOLDER_IDS.has(insertId.toLowerCase())) {
    return invalid(
      'properties.$insert_id',
      "'properties.$insert_id' is invalid: must be at most 36 alphanumeric characters or '-'",
      properties,
    );
  }
  return { ok: true, event: name, timeMs, properties };
}
