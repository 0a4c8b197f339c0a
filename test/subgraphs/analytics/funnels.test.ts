import { describe, expect, it } from 'vitest';
import { funnelDepth, toFunnelSteps } from '../../../subgraphs/analytics/funnels.js';
import { DAY_MS } from '../../../subgraphs/analytics/windows.js';
import { at, raw } from './testkit.js';

describe('funnels', () => {
  const steps = ['Add To Cart', 'Checkout Started', 'Purchase'];
  it('takes the best entry and the earliest later match within the conversion window', () => {
    const user = [
      raw('Add To Cart', 'a', '2026-10-01T00:00:00Z'),
      raw('Checkout Started', 'a', '2026-10-03T00:00:00Z'), // more than a day after the first entry
      raw('Add To Cart', 'a', '2026-10-03T12:00:00Z'),
      raw('Checkout Started', 'a', '2026-10-03T13:00:00Z'),
      raw('Purchase', 'a', '2026-10-03T14:00:00Z'),
    ];
    expect(funnelDepth(user, steps, DAY_MS)).toBe(3);
    expect(funnelDepth(user.slice(0, 2), steps, DAY_MS)).toBe(1);
    expect(funnelDepth(user.slice(0, 2), steps, 3 * DAY_MS)).toBe(2);
    // Order matters: a purchase before the checkout does not count.
    expect(
      funnelDepth(
        [
          raw('Add To Cart', 'a', '2026-10-01T00:00:00Z'),
          raw('Purchase', 'a', '2026-10-01T01:00:00Z'),
          raw('Checkout Started', 'a', '2026-10-01T02:00:00Z'),
        ],
        steps,
        DAY_MS,
      ),
    ).toBe(2);
  });
  it('counts distinct users per step with conversions, only events inside the window', () => {
    const events = [
      raw('Add To Cart', 'a', '2026-10-01T00:00:00Z'),
      raw('Checkout Started', 'a', '2026-10-01T01:00:00Z'),
      raw('Purchase', 'a', '2026-10-01T02:00:00Z'),
      raw('Add To Cart', 'a', '2026-10-02T00:00:00Z'), // a second entry: still one user
      raw('Add To Cart', 'b', '2026-10-01T00:00:00Z'),
      raw('Checkout Started', 'b', '2026-10-01T01:00:00Z'),
      raw('Purchase', 'b', '2026-10-10T02:00:00Z'), // after the window
      raw('Add To Cart', 'c', '2026-09-30T00:00:00Z'), // entry before the window
      raw('Checkout Started', 'c', '2026-10-01T01:00:00Z'),
      raw('Add To Cart', 'd', '2026-10-02T00:00:00Z'),
    ];
    const window = { sinceMs: at('2026-10-01T00:00:00Z'), untilMs: at('2026-10-05T00:00:00Z') };
    expect(
      toFunnelSteps(events, steps, window, 30 * DAY_MS).map(({ event, count, conversionFromPrevious, conversionFromFirst }) => [
        event,
        count,
        conversionFromPrevious,
        conversionFromFirst,
      ]),
    ).toEqual([
      ['Add To Cart', 3, 1, 1],
      ['Checkout Started', 2, 2 / 3, 2 / 3],
      ['Purchase', 1, 0.5, 1 / 3],
    ]);
    expect(toFunnelSteps([], steps, window, DAY_MS).map((step) => [step.count, step.conversionFromPrevious])).toEqual([
      [0, 1],
      [0, 0],
      [0, 0],
    ]);
  });
});
