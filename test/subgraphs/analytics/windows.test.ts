import { describe, expect, it } from 'vitest';
import { DAY_MS, toDayRange, toDistinctIdWhere, toWindow } from '../../../subgraphs/analytics/windows.js';
import { at } from './testkit.js';

describe('windows', () => {
  const now = at('2026-11-28T15:00:00Z');
  it('defaults until to now and since to the given days before it', () => {
    expect(toWindow({}, { now, defaultDays: 30, maxDays: 366 })).toEqual({ sinceMs: now - 30 * DAY_MS, untilMs: now });
    expect(toWindow({ since: '2026-10-01T00:00:00Z' }, { now, defaultDays: 30, maxDays: 366 })).toEqual({
      sinceMs: at('2026-10-01T00:00:00Z'),
      untilMs: now,
    });
  });
  it('refuses a reversed or too long window, naming the argument', () => {
    expect(() =>
      toWindow({ since: '2026-10-02T00:00:00Z', until: '2026-10-01T00:00:00Z' }, { now, defaultDays: 30, maxDays: 366 }),
    ).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'since' }) }));
    expect(() => toWindow({ since: '2020-01-01T00:00:00Z' }, { now, defaultDays: 30, maxDays: 366 })).toThrow(/366 days/);
  });
  it('covers the window with whole UTC days, up to today', () => {
    const days = (window: { sinceMs: number; untilMs: number }) => {
      const range = toDayRange(window, now);
      return range && [new Date(range.from * DAY_MS).toISOString().slice(0, 10), new Date(range.to * DAY_MS).toISOString().slice(0, 10)];
    };
    expect(days({ sinceMs: at('2026-10-01T22:00:00Z'), untilMs: at('2026-10-03T00:00:00Z') })).toEqual(['2026-10-01', '2026-10-02']);
    expect(days({ sinceMs: at('2026-10-01T00:00:00Z'), untilMs: at('2026-10-03T00:00:01Z') })).toEqual(['2026-10-01', '2026-10-03']);
    expect(days({ sinceMs: at('2026-11-20T00:00:00Z'), untilMs: at('2026-12-31T00:00:00Z') })).toEqual(['2026-11-20', '2026-11-28']);
    expect(days({ sinceMs: at('2026-12-01T00:00:00Z'), untilMs: at('2026-12-31T00:00:00Z') })).toBeUndefined();
  });
  it('selects many users with one `in` over a list', () => {
    expect(toDistinctIdWhere(['a@x.com', 'b"q@x.com'])).toBe('properties["distinct_id"] in ["a@x.com","b\\"q@x.com"]');
  });
});
