/**
 * The raw export body (JSONL) -> events: parsing, Mixpanel's time units, and telling a cut-short body from a
 * malformed line. Pure.
 */
import type { MixpanelEvent, RawEvent } from './wire.js';

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

/**
 * Whether an export body stops in the middle of a line: Mixpanel ends every line, the last one included, with
 * a newline, so an unterminated last line that does not parse means the body was cut short. A malformed line
 * in the middle of a whole body is Mixpanel's data, skipped (and logged) as before.
 */
export function isCutShort(text: string): boolean {
  if (text === '' || text.endsWith('\n')) return false;
  const last = text.slice(text.lastIndexOf('\n') + 1);
  try {
    JSON.parse(last);
    return false;
  } catch {
    return true;
  }
}
