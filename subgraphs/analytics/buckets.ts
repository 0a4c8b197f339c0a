/** Time series: UTC calendar buckets over a window, with counts and distinct users. Pure. */
import type { EventCountBucket, EventInterval } from './__generated__/resolvers.js';
import { DAY_MS, type Window } from './windows.js';
import type { RawEvent } from './wire.js';

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
