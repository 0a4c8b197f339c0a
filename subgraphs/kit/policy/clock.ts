/**
 * The time source of the call policy and its quota. Production uses the system clock; tests pass a fake one
 * (e.g. vitest's fake timers, which replace both `Date.now` and `setTimeout`, or their own) so breaker,
 * deadline and quota behaviour is checked without waiting on the wall clock.
 */
export type Clock = {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `run` after `ms`; returns a cancel function. */
  setTimer(ms: number, run: () => void): () => void;
};

/** The system clock, read at call time, so vitest's fake timers also govern it. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, run) {
    const timer = setTimeout(run, ms);
    return () => clearTimeout(timer);
  },
};

/** Resolves after `ms` on `clock`, or rejects with the signal's reason once it aborts. */
export function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      cancel();
      reject(signal.reason);
    };
    const cancel = clock.setTimer(ms, () => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
