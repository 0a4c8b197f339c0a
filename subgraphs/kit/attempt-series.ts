/** One time bucket of vendor attempts, as the status page draws it. */
export type SeriesPoint = { at: number; attempts: number; errorRate: number; p50Ms: number | undefined; p99Ms: number | undefined };

export type AttemptSeries = {
  /** Records one attempt that reached the vendor. `failed`: the vendor's own fault (counts for the breaker). */
  record(durationMs: number, failed: boolean): void;
  /** The last buckets, oldest first, empty buckets included (so a sparkline's x axis is time). */
  points(): SeriesPoint[];
  /** Error rate of the last `recentAttempts` attempts, whenever they were: what "degraded" is judged on. */
  recentErrorRate(): { attempts: number; errorRate: number };
};

export type AttemptSeriesOptions = {
  /** Width of a bucket in ms; default 10000. */
  bucketMs?: number;
  /** Buckets kept; default 30 (five minutes at the default width). */
  buckets?: number;
  /** Durations kept per bucket for its percentiles; default 500. */
  samplesPerBucket?: number;
  /** Attempts `recentErrorRate` looks at; default 20. */
  recentAttempts?: number;
  /** Clock; default Date.now. */
  now?: () => number;
};

type Bucket = { index: number; attempts: number; failed: number; durations: number[] };

/** Attempts per time bucket (for sparklines) and the outcome of the last few (for the vendor's state). */
export function createAttemptSeries(options: AttemptSeriesOptions = {}): AttemptSeries {
  const width = options.bucketMs ?? 10_000;
  const kept = options.buckets ?? 30;
  const samples = options.samplesPerBucket ?? 500;
  const recentSize = options.recentAttempts ?? 20;
  const now = options.now ?? Date.now;
  const buckets: Bucket[] = [];
  const recent: boolean[] = [];

  return {
    record(durationMs, failed) {
      const index = Math.floor(now() / width);
      let bucket = buckets[buckets.length - 1];
      if (!bucket || bucket.index !== index) {
        bucket = { index, attempts: 0, failed: 0, durations: [] };
        buckets.push(bucket);
        while (buckets.length > 0 && buckets[0]!.index <= index - kept) buckets.shift();
      }
      bucket.attempts += 1;
      if (failed) bucket.failed += 1;
      if (bucket.durations.length < samples) bucket.durations.push(durationMs);
      recent.push(failed);
      if (recent.length > recentSize) recent.shift();
    },
    points() {
      const last = Math.floor(now() / width);
      const byIndex = new Map(buckets.map((bucket) => [bucket.index, bucket]));
      const points: SeriesPoint[] = [];
      for (let index = last - kept + 1; index <= last; index++) {
        const bucket = byIndex.get(index);
        if (!bucket) {
          points.push({ at: index * width, attempts: 0, errorRate: 0, p50Ms: undefined, p99Ms: undefined });
          continue;
        }
        const sorted = [...bucket.durations].sort((a, b) => a - b);
        const rank = (p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];
        points.push({
          at: index * width,
          attempts: bucket.attempts,
          errorRate: bucket.failed / bucket.attempts,
          p50Ms: rank(0.5),
          p99Ms: rank(0.99),
        });
      }
      return points;
    },
    recentErrorRate() {
      return { attempts: recent.length, errorRate: recent.length === 0 ? 0 : recent.filter(Boolean).length / recent.length };
    },
  };
}
