import { describe, expect, it } from 'vitest';
import { toBuckets } from '../../../subgraphs/analytics/buckets.js';
import { at, raw } from './testkit.js';

describe('time series buckets', () => {
  const events = [
    raw('Purchase', 'a@x.com', '2026-09-28T00:00:00Z'), // Monday
    raw('Purchase', 'a@x.com', '2026-10-01T12:00:00Z'),
    raw('Purchase', 'b@x.com', '2026-10-01T13:00:00Z'),
    raw('Purchase', 'b@x.com', '2026-10-05T00:00:00Z'), // Monday
    raw('Purchase', 'c@x.com', '2026-10-31T23:59:59Z'),
    raw('Purchase', 'c@x.com', '2026-11-01T00:00:00Z'), // outside the window
  ];
  const window = { sinceMs: at('2026-09-30T06:00:00Z'), untilMs: at('2026-11-01T00:00:00Z') };
  it('buckets by UTC day, ISO week and calendar month, empty buckets included, only the window counted', () => {
    const days = toBuckets(events, window, 'DAY');
    expect(days).toHaveLength(32);
    expect(days[0]).toMatchObject({ start: '2026-09-30T00:00:00.000Z', end: '2026-10-01T00:00:00.000Z', count: 0 });
    expect(days[1]).toMatchObject({ start: '2026-10-01T00:00:00.000Z', count: 2, users: 2 });
    expect(days[31]).toMatchObject({ start: '2026-10-31T00:00:00.000Z', count: 1 });
    const weeks = toBuckets(events, window, 'WEEK');
    expect(weeks[0]).toMatchObject({ start: '2026-09-28T00:00:00.000Z', end: '2026-10-05T00:00:00.000Z', count: 2, users: 2 });
    expect(weeks[1]).toMatchObject({ start: '2026-10-05T00:00:00.000Z', count: 1 });
    const months = toBuckets(events, window, 'MONTH');
    expect(months.map((bucket) => [bucket.start, bucket.end, bucket.count, bucket.users])).toEqual([
      ['2026-09-01T00:00:00.000Z', '2026-10-01T00:00:00.000Z', 0, 0],
      ['2026-10-01T00:00:00.000Z', '2026-11-01T00:00:00.000Z', 4, 3],
    ]);
  });
});
