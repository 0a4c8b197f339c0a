import type { RequestHandler } from 'express';
import { StripeApiError } from './errors.js';

/**
 * A fixed one-second window per API key, timed by the injected clock. The 429 carries no
 * `Stripe-Should-Retry` header, so the SDK does not retry it, as with real rate-limit answers.
 */
export function rateLimit(perSecond: number, clock: () => number): RequestHandler {
  const windows = new Map<string, { second: number; count: number }>();
  return (_req, res, next) => {
    if (perSecond <= 0) return next();
    const key = String(res.locals.apiKey);
    const second = Math.floor(clock() / 1000);
    let window = windows.get(key);
    if (!window || window.second !== second) {
      window = { second, count: 0 };
      windows.set(key, window);
    }
    window.count++;
    if (window.count > perSecond) {
      throw new StripeApiError(429, {
        type: 'invalid_request_error',
        code: 'rate_limit',
        message: 'Too many requests hit the API too quickly. We recommend an exponential backoff of your requests.',
      });
    }
    next();
  };
}
