import { LRUCache } from 'lru-cache';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { ErrorCode, type SharedState } from '../platform/index.js';
import { Refusal } from './pipeline.js';

/**
 * The penalty box: a caller whose requests keep being refused (limits, credentials, cost, rate limits) is
 * answered 429 TOO_MANY_REFUSALS for a while, before its body is read or parsed, so an attacker's next requests
 * cost the gateway a map lookup. Who the caller is: the user when a verified token came with the request, else
 * the API client, else the address (a request whose credentials fail counts against its address). A caller's
 * good requests are never boxed for someone else's refusals: the box is per caller, and a frontend's key is
 * not its address.
 *
 * Refusals are counted in shared state (rate-limiter-flexible over Redis when configured), so every replica
 * adds to one count; the verdict is kept in this process, so checking costs no round trip. A replica that has
 * not boxed the caller yet does so at its next refusal there (the shared count is already over the limit).
 */
export type PenaltyOptions = {
  /** Refusals a caller may collect within the window; one more boxes it (REFUSAL_LIMIT, default 30; 0: off). */
  refusals: number;
  /** The window refusals are counted in, seconds (REFUSAL_WINDOW_SECONDS, default 60). */
  windowSeconds: number;
  /** How long a boxed caller is refused, seconds (REFUSAL_PENALTY_SECONDS, default 60). */
  penaltySeconds: number;
  /**
   * How long the HTTP server holds a boxed caller's answer before sending it, ms (REFUSAL_HOLD_MS, default 1000;
   * 0: at once). A client that loops on its refusals then sends one request per connection per hold, not
   * thousands a second, and its unread body waits in its own socket buffers.
   */
  holdMs: number;
};

export const DEFAULT_PENALTY: PenaltyOptions = { refusals: 30, windowSeconds: 60, penaltySeconds: 60, holdMs: 1000 };

/** Boxed callers remembered by one process at most: an attacker rotating addresses cannot grow it unbounded. */
const MAX_BOXED = 10_000;

export type PenaltyBox = {
  /** The TOO_MANY_REFUSALS refusal when `caller` (a key such as `ip:…`, `client:…`, `user:…`) is boxed; else undefined. */
  verdict(caller: string): Refusal | undefined;
  /** Throws the verdict's refusal when `caller` is boxed. */
  check(caller: string): void;
  /** Whether any caller is boxed in this process (else nobody need be identified for the box's sake). */
  boxing(): boolean;
  /** Counts one refusal against `caller`; resolves once counted (best-effort: shared state failing is ignored). */
  refused(caller: string): Promise<void>;
};

export function createPenaltyBox(state: SharedState, options: PenaltyOptions, now: () => number = Date.now): PenaltyBox {
  const base = {
    points: options.refusals,
    duration: options.windowSeconds,
    blockDuration: options.penaltySeconds,
    keyPrefix: 'interchange:refusals',
  };
  const counter: RateLimiterAbstract = state.redis
    ? new RateLimiterRedis({ ...base, storeClient: state.redis, insuranceLimiter: new RateLimiterMemory(base) })
    : new RateLimiterMemory(base);
  /** Caller → when its penalty ends (ms since the epoch). */
  const boxed = new LRUCache<string, number>({ max: MAX_BOXED });

  const verdict = (caller: string): Refusal | undefined => {
    const until = boxed.get(caller);
    if (until === undefined) return undefined;
    const left = until - now();
    if (left <= 0) {
      boxed.delete(caller);
      return undefined;
    }
    const retryAfter = Math.max(1, Math.ceil(left / 1000));
    return new Refusal(
      429,
      ErrorCode.TOO_MANY_REFUSALS,
      `Too many of your requests were refused lately (more than ${options.refusals} in ${options.windowSeconds} s); retry in ${retryAfter} s, and fix what the earlier refusals named.`,
      { headers: { 'Retry-After': String(retryAfter) } },
    );
  };

  return {
    verdict,
    boxing: () => boxed.size > 0,
    check(caller) {
      const refusal = verdict(caller);
      if (refusal) throw refusal;
    },
    async refused(caller) {
      try {
        await counter.consume(caller);
      } catch (rejection) {
        // Over the limit: rate-limiter-flexible blocks the key for the penalty, in the shared store too.
        if (rejection instanceof RateLimiterRes) boxed.set(caller, now() + Math.max(rejection.msBeforeNext, 1000));
      }
    },
  };
}
