import type { RequestHandler } from 'express';
import { StripeApiError } from './errors.js';

/** `Authorization: Bearer <key>`, or HTTP Basic with the key as user name, which Stripe also takes. */
function keyFrom(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const bearer = /^Bearer\s+(.+)$/i.exec(header);
  if (bearer) return bearer[1]!.trim();
  const basic = /^Basic\s+(.+)$/i.exec(header);
  if (basic) return Buffer.from(basic[1]!, 'base64').toString('utf8').split(':')[0];
  return undefined;
}

/** Stripe shows only the key's start and last four characters back. */
function mask(key: string): string {
  const prefix = /^(sk|rk|pk)_(test|live)_/.exec(key)?.[0] ?? '';
  return key.length <= prefix.length + 4 ? key : `${prefix}${'*'.repeat(key.length - prefix.length - 4)}${key.slice(-4)}`;
}

/** Rejects requests without a known API key; the key is kept in `res.locals.apiKey` for per-key limits. */
export function authenticate(apiKeys: readonly string[]): RequestHandler {
  const known = new Set(apiKeys);
  return (req, res, next) => {
    const key = keyFrom(req.get('authorization'));
    if (!key) {
      throw new StripeApiError(401, {
        type: 'invalid_request_error',
        message:
          'You did not provide an API key. You need to provide your API key in the Authorization header, ' +
          "using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
      });
    }
    if (!known.has(key)) {
      throw new StripeApiError(401, {
        type: 'invalid_request_error',
        code: 'api_key_invalid',
        message: `Invalid API Key provided: ${mask(key)}`,
      });
    }
    res.locals.apiKey = key;
    next();
  };
}
