import type { RequestHandler } from 'express';
import { StripeApiError } from './errors.js';

/** Stripe's published global limits: 100 requests a second in live mode, 25 in test mode. */
export const LIVE_REQUESTS_PER_SECOND = 100;
export const TEST_REQUESTS_PER_SECOND = 25;
/** Stripe's per-endpoint limit on the Search API: 20 read requests a second, in both modes. */
export const SEARCH_REQUESTS_PER_SECOND = 20;

export type RateLimits = {
  /** Requests a second per API key; undefined means Stripe's limit for the key's mode (25 test, 100 live); 0 none. */
  perSecond: number | undefined;
  /** Search requests a second per API key, on top of the global limit; 0 none. */
  searchPerSecond: number;
};

/** The global limit a key gets: test-mode keys (sk_test_, rk_test_) have a quarter of live mode's. */
export function limitForKey(key: string): number {
  return /^(sk|rk)_test_/.test(key) ? TEST_REQUESTS_PER_SECOND : LIVE_REQUESTS_PER_SECOND;
}

/**
 * Fixed one-second windows per API key (global, and per endpoint for search), timed by the injected clock. The
 * 429 carries no `Stripe-Should-Retry` header, so the SDK does not retry it, as with real rate-limit answers.
 */
export function rateLimit(limits: RateLimits, clock: () => number): RequestHandler {
  const windows = new Map<string, { second: number; count: number }>();
  /** Counts one request in `bucket`'s current window; true when it is over `max`. */
  const over = (bucket: string, max: number, second: number): boolean => {
    let window = windows.get(bucket);
    if (!window || window.second !== second) {
      window = { second, count: 0 };
      windows.set(bucket, window);
    }
    window.count++;
    return window.count > max;
  };
  return (req, res, next) => {
    const key = String(res.locals.apiKey);
    const second = Math.floor(clock() / 1000);
    const global = limits.perSecond ?? limitForKey(key);
    const search = req.method === 'GET' && req.path.endsWith('/search') && limits.searchPerSecond > 0;
    if ((global > 0 && over(key, global, second)) || (search && over(`${key}\u0000search`, limits.searchPerSecond, second))) {
      throw new StripeApiError(429, {
        type: 'invalid_request_error',
        code: 'rate_limit',
        message: 'Too many requests hit the API too quickly. We recommend an exponential backoff of your requests.',
      });
    }
    next();
  };
}
