import type { RequestHandler } from 'express';
import { timingSafeEqual } from 'node:crypto';
import { ErrorCode } from '../platform/index.js';
import { Refusal, refuse } from './pipeline.js';

export type AdminGuardOptions = {
  /** Bearer tokens that open the route; unset entries are ignored. */
  tokens: ReadonlyArray<string | undefined>;
  /** When none of `tokens` is set: open the route (development) or answer 404 (production); default 404. */
  openWithoutToken?: boolean;
  /** The variable to name when no token is set; default ADMIN_TOKEN. */
  variable?: string;
};

function bearerMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header?.replace(/^Bearer\s+/i, '') ?? '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Guards operator routes (`/health/upstreams`, `/internal/*`, metrics, status) with `Authorization: Bearer
 * <ADMIN_TOKEN>`: what they show (vendors, quotas, breaker states) or do (purge) is not for callers.
 */
export function requireAdmin(options: AdminGuardOptions): RequestHandler {
  const tokens = options.tokens.filter((token): token is string => typeof token === 'string' && token !== '');
  const variable = options.variable ?? 'ADMIN_TOKEN';
  return (req, res, next) => {
    if (tokens.length === 0) {
      if (options.openWithoutToken) return next();
      return refuse(res, new Refusal(404, ErrorCode.NOT_FOUND, `This route is not enabled: set ${variable} and send it as a bearer token.`));
    }
    if (tokens.some((token) => bearerMatches(req.headers.authorization, token))) return next();
    refuse(res, new Refusal(401, ErrorCode.UNAUTHENTICATED, `This route needs "Authorization: Bearer <${variable}>".`, { headers: { 'WWW-Authenticate': 'Bearer' } }));
  };
}
