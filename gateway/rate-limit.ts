import type { RequestHandler } from 'express';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { SharedState } from '../platform/index.js';
import { refuse, type Caller } from './caller.js';

/**
 * Requests a minute per API client (its registry limit) and per address for anonymous callers. Counters live
 * in Redis when configured, so replicas share one budget; a Redis outage falls back to per-process counters.
 */
export function rateLimitCallers(state: SharedState, anonymousPerMinute: number): RequestHandler {
  const limiters = new Map<number, RateLimiterAbstract>();
  const limiterFor = (points: number): RateLimiterAbstract => {
    let limiter = limiters.get(points);
    if (!limiter) {
      const base = { points, duration: 60, keyPrefix: `interchange:rl:${points}` };
      limiter = state.redis
        ? new RateLimiterRedis({ ...base, storeClient: state.redis, insuranceLimiter: new RateLimiterMemory(base) })
        : new RateLimiterMemory(base);
      limiters.set(points, limiter);
    }
    return limiter;
  };
  return async (_req, res, next) => {
    const caller = res.locals.caller as Caller;
    if (caller.kind === 'anonymous' && anonymousPerMinute === 0) return next();
    const [points, key] = caller.kind === 'anonymous' ? [anonymousPerMinute, `ip:${caller.address}`] : [caller.rateLimitPerMinute, `client:${caller.name}`];
    try {
      const result = await limiterFor(points).consume(key);
      res.set('RateLimit-Limit', String(points)).set('RateLimit-Remaining', String(result.remainingPoints));
      next();
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) return next(rejection);
      const retryAfter = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      refuse(res, 429, 'RATE_LIMITED', `Rate limit of ${points} requests a minute reached; retry in ${retryAfter} s.`, { 'Retry-After': String(retryAfter) });
    }
  };
}
