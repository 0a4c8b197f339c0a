import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, RateLimiterUnion, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { sleep, type Clock } from './clock.js';
import type { QuotaWindow } from './types.js';

/** Raised inside the policy when a bucket has no slot before the deadline; the policy turns it into UPSTREAM_RATE_LIMITED. */
export class QuotaExhaustedError extends Error {
  constructor(
    readonly bucket: string,
    readonly waitMs: number,
  ) {
    super(`our own quota for bucket ${bucket} has no slot for ${waitMs} ms`);
    this.name = 'QuotaExhaustedError';
  }
}

export type Quota = {
  /** Throws when no bucket of that name is configured (a typo in the vendor client, not a vendor failure). */
  check(bucket: string): void;
  /**
   * Takes one slot from the bucket, waiting for the next free slot when it is spent, as long as that slot comes
   * before `deadline`; rejects with QuotaExhaustedError when it would not. Buckets with no windows are free.
   */
  acquire(bucket: string, deadline: number, signal: AbortSignal): Promise<void>;
  /**
   * Per bucket, as last seen when spending: every window on its own (`windows`), and at the top the tightest one
   * (fewest calls left) with that same window's reset, never one window's count paired with another's reset.
   * A window whose reset has passed reports its full points.
   */
  remaining(now: number): Record<string, QuotaState>;
};

/** What is left of one window. */
export type WindowState = { points: number; durationSeconds: number; remaining: number; resetsInMs: number };
export type QuotaState = { remaining: number; resetsInMs: number; windows: WindowState[] };

type Bucket = {
  consume(key: string): Promise<unknown>;
  windows: readonly QuotaWindow[];
  /** Per window (same index), as last seen. */
  seen: Array<{ remaining: number; resetsAt: number } | undefined>;
};

/** The one key every replica spends from: the quota is per vendor account, not per caller. */
const KEY = 'all';

export function createQuota(
  upstream: string,
  buckets: Readonly<Record<string, readonly QuotaWindow[]>>,
  redis: Redis | undefined,
  clock: Clock,
): Quota {
  const built = new Map<string, Bucket>();
  for (const [name, windows] of Object.entries(buckets)) {
    if (windows.length === 0) continue;
    const limiters = windows.map((window, index) => limiterFor(upstream, name, index, window, redis));
    // A union spends from every window at once (HubSpot: 190 per 10 s and 1,000,000 per day).
    const limiter = limiters.length === 1 ? (limiters[0] as RateLimiterAbstract) : new RateLimiterUnion(...limiters);
    built.set(name, { consume: (key) => limiter.consume(key), windows, seen: [] });
  }

  return {
    check(name) {
      if (name in buckets || name === 'default') return;
      throw new Error(`no quota bucket named "${name}" for ${upstream}; configured: ${Object.keys(buckets).join(', ') || 'none'}`);
    },
    async acquire(name, deadline, signal) {
      const bucket = built.get(name);
      // Unconfigured buckets (and `default` when no quota is set) are free; check() has caught typos.
      if (!bucket) return;
      for (;;) {
        let outcome:
          { granted: true; res: Map<number, RateLimiterRes> } | { granted: false; res: Map<number, RateLimiterRes>; waitMs: number };
        try {
          outcome = { granted: true, res: results(await bucket.consume(KEY)) };
        } catch (rejection) {
          // A store error that even the insurance limiter could not absorb: our own bookkeeping must never fail a call.
          if (rejection instanceof Error) return;
          const rejected = results(rejection);
          if (rejected.size === 0 || [...rejected.values()].some((res) => !(res instanceof RateLimiterRes))) return;
          outcome = { granted: false, res: rejected, waitMs: Math.max(1, ...[...rejected.values()].map((res) => res.msBeforeNext)) };
        }
        const now = clock.now();
        for (const [index, res] of outcome.res)
          bucket.seen[index] = { remaining: res.remainingPoints, resetsAt: now + Math.max(0, res.msBeforeNext) };
        if (outcome.granted) return;
        // Interchange slows itself down: wait for the next slot rather than let the vendor throttle us.
        if (clock.now() + outcome.waitMs >= deadline) throw new QuotaExhaustedError(name, outcome.waitMs);
        await sleep(clock, outcome.waitMs, signal);
      }
    },
    remaining(now) {
      const out: Record<string, QuotaState> = {};
      for (const [name, bucket] of built) {
        const windows = bucket.windows.map((window, index): WindowState => {
          const seen = bucket.seen[index];
          return !seen || seen.resetsAt <= now
            ? { ...window, remaining: window.points, resetsInMs: 0 }
            : { ...window, remaining: seen.remaining, resetsInMs: seen.resetsAt - now };
        });
        const tightest = windows.reduce((a, b) => (b.remaining < a.remaining ? b : a));
        out[name] = { remaining: tightest.remaining, resetsInMs: tightest.resetsInMs, windows };
      }
      return out;
    },
  };
}

function limiterFor(upstream: string, bucket: string, index: number, window: QuotaWindow, redis: Redis | undefined): RateLimiterAbstract {
  if (!Number.isInteger(window.points) || window.points < 1)
    throw new Error(`quota ${upstream}/${bucket}: points must be a positive integer`);
  if (!Number.isInteger(window.durationSeconds) || window.durationSeconds < 1) {
    // Redis counts windows with EX, in whole seconds; a fraction would silently make a window that never resets.
    throw new Error(`quota ${upstream}/${bucket}: durationSeconds must be a positive integer`);
  }
  const keyPrefix = `interchange:quota:${upstream}:${bucket}:${index}`;
  const memory = new RateLimiterMemory({ points: window.points, duration: window.durationSeconds, keyPrefix });
  if (!redis) return memory;
  return new RateLimiterRedis({
    storeClient: redis,
    points: window.points,
    duration: window.durationSeconds,
    keyPrefix,
    // Fail over to this process's own counter at once when Redis is not connected, instead of queueing.
    rejectIfRedisNotReady: true,
    insuranceLimiter: memory,
  });
}

/**
 * Each window's answer by window index: a limiter answers one RateLimiterRes (window 0); a union answers (or
 * rejects with) an object of them by key prefix, which ends in the window's index (see limiterFor).
 */
function results(value: unknown): Map<number, RateLimiterRes> {
  if (value instanceof RateLimiterRes) return new Map([[0, value]]);
  if (typeof value === 'object' && value !== null) {
    return new Map(
      Object.entries(value as Record<string, RateLimiterRes>).map(([prefix, res]) => [
        Number(prefix.slice(prefix.lastIndexOf(':') + 1)),
        res,
      ]),
    );
  }
  return new Map();
}
