/** Time windows and the whole UTC days an export must cover for them; the distinct-id filter of an export. Pure. */
import { BadUserInputError } from '../kit/index.js';
import type { RawEvent } from './wire.js';

export const DAY_MS = 24 * 3600 * 1000;

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
    throw new BadUserInputError(
      `The window from \`since\` to \`until\` is longer than ${options.maxDays} days; ask for a shorter one.`,
      'since',
    );
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

export const inWindow =
  (window: Window) =>
  (event: RawEvent): boolean =>
    event.timeMs >= window.sinceMs && event.timeMs < window.untilMs;

/** The export `where` that selects these distinct ids: one `in` over a list literal (a set lookup per event). */
export function toDistinctIdWhere(distinctIds: readonly string[]): string {
  return `properties["distinct_id"] in [${distinctIds.map((id) => JSON.stringify(id)).join(',')}]`;
}
