/** Time helpers shared by ingestion and export: Mixpanel takes seconds or ms and answers in seconds. */

export const DAY_MS = 24 * 3600 * 1000;
export const HOUR_MS = 3600 * 1000;
/** Mixpanel refuses events dated before this. */
export const EARLIEST_EVENT_MS = Date.UTC(1971, 0, 1);

// Below this a number is read as seconds: 1e11 s is the year 5138, 1e11 ms is 1973.
const SECONDS_BELOW = 1e11;

/** `time` as sent (seconds or ms since epoch, maybe fractional) to whole ms; undefined when not a number. */
export function toEpochMs(time: unknown): number | undefined {
  if (typeof time !== 'number' || !Number.isFinite(time)) return undefined;
  return Math.round(Math.abs(time) < SECONDS_BELOW ? time * 1000 : time);
}

/** A `YYYY-MM-DD` day as the ms of its 00:00:00 UTC; undefined when not a real date in that form. */
export function parseDay(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const ms = Date.UTC(year, month - 1, day);
  const date = new Date(ms);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  return ms;
}

/** Mixpanel's profile date format: ISO 8601 in UTC without the zone suffix or milliseconds. */
export function toProfileDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}
