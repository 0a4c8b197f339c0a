/** A summary of the most recent attempts, for health reporting. */
export type WindowSummary = {
  attempts: number;
  errorRate: number;
  p50Ms: number | undefined;
  p95Ms: number | undefined;
  p99Ms: number | undefined;
};

export type LatencyWindow = {
  /** Records one attempt that reached the vendor: how long it took and whether it was the vendor's fault. */
  record(durationMs: number, failed: boolean): void;
  summary(): WindowSummary;
};

/** A ring buffer of the last `size` attempts; percentiles by nearest rank over a sorted copy (size is small). */
export function createLatencyWindow(size: number): LatencyWindow {
  const durations: number[] = [];
  const failures: boolean[] = [];
  let next = 0;
  return {
    record(durationMs, failed) {
      durations[next] = durationMs;
      failures[next] = failed;
      next = (next + 1) % size;
    },
    summary() {
      const attempts = durations.length;
      if (attempts === 0) return { attempts, errorRate: 0, p50Ms: undefined, p95Ms: undefined, p99Ms: undefined };
      const sorted = [...durations].sort((a, b) => a - b);
      const rank = (p: number): number => sorted[Math.max(0, Math.ceil(p * attempts) - 1)] as number;
      const failed = failures.filter(Boolean).length;
      return { attempts, errorRate: failed / attempts, p50Ms: rank(0.5), p95Ms: rank(0.95), p99Ms: rank(0.99) };
    },
  };
}
