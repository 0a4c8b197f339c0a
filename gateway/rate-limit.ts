import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { ErrorCode, type SharedState } from '../platform/index.js';
import { Refusal, type PipelineStep } from './pipeline.js';

/**
 * Requests a minute per API client (its registry limit) and per address for anonymous callers. Counters live
 * in Redis when configured, so replicas share one budget; a Redis outage falls back to per-process counters.
 */
export function rateLimitCallers(state: SharedState, anonymousPerMinute: number): PipelineStep {
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
  return {
    name: 'rate limit',
    async run({ res, state: { caller } }) {
      if (caller.kind === 'anonymous' && anonymousPerMinute === 0) return;
      const [points, key] =
        caller.kind === 'anonymous' ? [anonymousPerMinute, `ip:${caller.address}`] : [caller.rateLimitPerMinute, `client:${caller.name}`];
      try {
        const result = await limiterFor(points).consume(key);
        res.set('RateLimit-Limit', String(points)).set('RateLimit-Remaining', String(result.remainingPoints));
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        const retryAfter = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
        throw new Refusal(429, ErrorCode.RATE_LIMITED, `Rate limit of ${points} requests a minute reached; retry in ${retryAfter} s.`, {
          headers: { 'Retry-After': String(retryAfter) },
        });
      }
    },
  };
}
