import { describe, expect, it } from 'vitest';
import { createAttemptSeries } from '../../../subgraphs/kit/attempt-series.js';

describe('createAttemptSeries', () => {
  it('buckets attempts by time, with empty buckets kept so the x axis is time', () => {
    let now = 100_000;
    const series = createAttemptSeries({ bucketMs: 10_000, buckets: 3, now: () => now });
    series.record(10, false);
    series.record(30, true);
    now += 20_000;
    series.record(50, false);
    expect(series.points()).toEqual([
      { at: 100_000, attempts: 2, errorRate: 0.5, p50Ms: 10, p99Ms: 30 },
      { at: 110_000, attempts: 0, errorRate: 0, p50Ms: undefined, p99Ms: undefined },
      { at: 120_000, attempts: 1, errorRate: 0, p50Ms: 50, p99Ms: 50 },
    ]);
    now += 10_000;
    // The oldest bucket falls out of the window.
    expect(series.points().map((point) => point.at)).toEqual([110_000, 120_000, 130_000]);
  });

  it('judges the recent error rate on the last attempts only, however old', () => {
    const series = createAttemptSeries({ recentAttempts: 4 });
    expect(series.recentErrorRate()).toEqual({ attempts: 0, errorRate: 0 });
    for (const failed of [true, true, false, false]) series.record(1, failed);
    expect(series.recentErrorRate()).toEqual({ attempts: 4, errorRate: 0.5 });
    series.record(1, false);
    series.record(1, false);
    expect(series.recentErrorRate()).toEqual({ attempts: 4, errorRate: 0 });
  });
});
