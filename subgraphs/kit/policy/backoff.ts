import { ExponentialBackoff, halfJitterGenerator, type IBackoffFactory } from 'cockatiel';

export type BackoffSettings = {
  /** The first delay in ms before jitter; each next one doubles. */
  initialDelayMs: number;
  /** The clamp on any one delay, in ms, applied before jitter so a jittered delay never exceeds it. */
  maxDelayMs: number;
};

/**
 * Exponential backoff with half jitter: the n-th delay (from 0) is uniformly in
 * [d/2, d) with d = min(maxDelayMs, initialDelayMs * 2^n). Half jitter rather than cockatiel's default
 * decorrelated jitter because its bounds are simple to state and test, and it never retries at once (full
 * jitter can pick 0 ms), while still spreading replicas that failed together.
 */
export function createBackoff(settings: BackoffSettings): IBackoffFactory<unknown> {
  return new ExponentialBackoff({
    generator: halfJitterGenerator,
    initialDelay: settings.initialDelayMs,
    maxDelay: settings.maxDelayMs,
  });
}
