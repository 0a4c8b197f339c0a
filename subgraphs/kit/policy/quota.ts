import type { Redis } from 'ioredis';
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  RateLimiterUnion,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import { sleep, type Clock } from './clock.js';
import type { QuotaWindow } from './types.js';

/** Raised inside the policy when a bucket has no slot before the deadline; the policy turns it into UPSTREAM_RATE_LIMITED. */
export class QuotaExhaustedError extends Error {
  constructor(readonly bucket: string, readonly waitMs: number) {
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
  /** Per bucket, as last seen when spending. */
  remaining(now: number): Record<string, { remaining: number; resetsInMs: number }>;
};

type Bucket = {
  consume(key: string): Promise<unknown>;
  seen?: { remaining: number; resetsAt: number };
  fullPoints: number;
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
    built.set(name, { consume: (key) => limiter.consume(key), fullPoints: Math.min(...windows.map((w) => w.points)) });
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
        let outcome: { granted: true; res: RateLimiterRes[] } | { granted: false; waitMs: number };
        try {
          outcome = { granted: true, res: results(await bucket.consume(KEY)) };
        } catch (rejection) {
          // A store error that even the insurance limiter could not absorb: our own bookkeeping must never fail a call.
          if (rejection instanceof Error) return;
          const rejected = results(rejection);
          if (rejected.length === 0 || rejected.some((res) => !(res instanceof RateLimiterRes))) return;
          outcome = { granted: false, waitMs: Math.max(1, ...rejected.map((res) => res.msBeforeNext)) };
        }
        if (outcome.granted) {
          const now = clock.now();
          bucket.seen = {
            remaining: Math.min(...outcome.res.map((res) => res.remainingPoints)),
            resetsAt: now + Math.max(0, ...outcome.res.map((res) => res.msBeforeNext)),
          };
          return;
        }
        bucket.seen = { remaining: 0, resetsAt: clock.now() + outcome.waitMs };
        // Interchange slows itself down: wait for the next slot rather than let the vendor throttle us.
        if (clock.now() + outcome.waitMs >= deadline) throw new QuotaExhaustedError(name, outcome.waitMs);
        await sleep(clock, outcome.waitMs, signal);
      }
    },
    remaining(now) {
      const out: Record<string, { remaining: number; resetsInMs: number }> = {};
      for (const [name, bucket] of built) {
        const seen = bucket.seen;
        out[name] = !seen || seen.resetsAt <= now
          ? { remaining: bucket.fullPoints, resetsInMs: 0 }
          : { remaining: seen.remaining, resetsInMs: seen.resetsAt - now };
      }
      return out;
    },
  };
}

function limiterFor(upstream: string, bucket: string, index: number, window: QuotaWindow, redis: Redis | undefined): RateLimiterAbstract {
  if (!Number.isInteger(window.points) || window.points < 1) throw new Error(`quota ${upstream}/${bucket}: points must be a positive integer`);
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

/** A limiter answers one RateLimiterRes; a union answers (or rejects with) an object of them by key prefix. */
function results(value: unknown): RateLimiterRes[] {
  if (value instanceof RateLimiterRes) return [value];
  if (typeof value === 'object' && value !== null) return Object.values(value) as RateLimiterRes[];
  return [];
}
