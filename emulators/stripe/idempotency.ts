import type { RequestHandler } from 'express';
import { invalidRequest, StripeApiError } from './errors.js';

/** How long a key's first answer is replayed (Stripe prunes keys after 24 hours). */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;
/**
 * The most keys the emulator remembers at once. Stripe keeps every key for 24 hours; an emulator written to for
 * hours at a busy rate would hold every answer of the day, so beyond this the oldest keys are forgotten first.
 */
export const MAX_IDEMPOTENCY_KEYS = 10_000;

type Entry = { fingerprint: string; at: number; response?: { status: number; body: unknown } };

/**
 * Replays the first response to a POST with the same `Idempotency-Key` (per API key), 5xx and errors raised after
 * the request changed state (a card decline) included.
 * Must run after the body parser: the parameters are part of what a key is bound to.
 */
export function idempotency(clock: () => number, maxKeys = MAX_IDEMPOTENCY_KEYS): RequestHandler & { size(): number } {
  // In the order the keys were first used (a key used again after it expired moves to the end), so the
  // oldest, expired or beyond maxKeys, are at the front.
  const entries = new Map<string, Entry>();
  const forgetOld = (now: number) => {
    for (const [scoped, entry] of entries) {
      if (now - entry.at < IDEMPOTENCY_TTL_MS && entries.size <= maxKeys) break;
      entries.delete(scoped);
    }
  };
  const middleware: RequestHandler = (req, res, next) => {
    const key = req.get('idempotency-key');
    if (req.method !== 'POST' || key === undefined) return next();
    if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
      throw invalidRequest(`Invalid Idempotency-Key: keys can be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters long.`, {
        param: 'Idempotency-Key',
      });
    }
    res.locals.idempotencyKey = key;
    res.setHeader('Idempotency-Key', key);
    const scoped = `${String(res.locals.apiKey)}\u0000${key}`;
    const fingerprint = JSON.stringify([req.method, req.path, req.body ?? {}]);
    const now = clock();
    const existing = entries.get(scoped);
    if (existing && now - existing.at < IDEMPOTENCY_TTL_MS) {
      if (existing.fingerprint !== fingerprint) {
        throw new StripeApiError(400, {
          type: 'idempotency_error',
          message:
            'Keys for idempotent requests can only be used with the same parameters they were first used ' +
            `with. Try using a key other than '${key}' if you meant to execute a different request.`,
        });
      }
      if (!existing.response) {
        // 409 makes the SDK retry (with the same key) once the first request has finished.
        throw new StripeApiError(409, {
          type: 'invalid_request_error',
          code: 'idempotency_key_in_use',
          message: 'There is currently another in-progress request using this Idempotency-Key. Please try again later.',
        });
      }
      res.setHeader('Idempotent-Replayed', 'true');
      res.status(existing.response.status).json(existing.response.body);
      return;
    }
    const entry: Entry = { fingerprint, at: now };
    entries.delete(scoped);
    entries.set(scoped, entry);
    forgetOld(now);
    const json = res.json.bind(res);
    res.json = (body: unknown) => {
      const status = res.statusCode;
      // Stripe saves a key only once its request began executing: a concurrent duplicate, a rate limit or a
      // 4xx refused before any state change (validation) leaves the key free for the corrected retry.
      const executed = (res.locals as { executed?: boolean }).executed === true;
      if (status === 409 || status === 429 || (status >= 400 && status < 500 && !executed)) entries.delete(scoped);
      else entry.response = { status, body };
      return json(body);
    };
    next();
  };
  return Object.assign(middleware, { size: () => entries.size });
}
