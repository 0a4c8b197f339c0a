import type { RequestHandler } from 'express';
import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { env, readEnv, type Env } from './config.js';

export type AdminConfig = {
  /** ADMIN_TOKEN: the bearer token of /metrics, /status and other operator routes; unset: see `production`. */
  token: string | undefined;
  /** Without a token, operator routes are open outside production and closed (404) in production. */
  production: boolean;
};

export function readAdminConfig(source: Env = process.env): AdminConfig {
  const vars = readEnv({ NODE_ENV: env.nodeEnv(), ADMIN_TOKEN: z.string().min(16, 'expected at least 16 characters').optional() }, source);
  return { token: vars.ADMIN_TOKEN, production: vars.NODE_ENV === 'production' };
}

export type AdminOnlyOptions = {
  /** Further tokens that open this route (e.g. PURGE_TOKEN, a purge-only credential); default none. */
  alsoAccept?: ReadonlyArray<string | undefined>;
  /** Closed (404) without any token even outside production (a purge changes state); default false. */
  closedWithoutToken?: boolean;
  /** The variable named in refusals; default ADMIN_TOKEN. */
  variable?: string;
};

function matches(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Guards operator routes. With a token: `Authorization: Bearer <token>` (or, for a browser opening /status,
 * `?token=<token>` once, which sets an HttpOnly cookie for the page's refreshes and forms). Without one: open in
 * development and test, 404 in production, so nothing operational is exposed by a forgotten variable.
 */
export function adminOnly(config: AdminConfig, options: AdminOnlyOptions = {}): RequestHandler {
  const tokens = [config.token, ...(options.alsoAccept ?? [])].filter(
    (token): token is string => typeof token === 'string' && token !== '',
  );
  const variable = options.variable ?? 'ADMIN_TOKEN';
  return (req, res, next) => {
    if (tokens.length === 0) {
      if (!config.production && !options.closedWithoutToken) return next();
      res.status(404).json({
        errors: [{ message: `This route is off: set ${variable} and send it as a bearer token.`, extensions: { code: 'NOT_FOUND' } }],
      });
      return;
    }
    const bearer = req.headers.authorization?.match(/^Bearer\s+(.+)$/i)?.[1];
    const cookie = req.headers.cookie?.match(/(?:^|;\s*)interchange_admin=([^;]+)/)?.[1];
    const query = typeof req.query.token === 'string' ? req.query.token : undefined;
    const given = bearer ?? query ?? (cookie ? decodeURIComponent(cookie) : undefined);
    if (given !== undefined && tokens.some((token) => matches(given, token))) {
      if (query !== undefined)
        res.setHeader('set-cookie', `interchange_admin=${encodeURIComponent(query)}; HttpOnly; SameSite=Strict; Path=/`);
      return next();
    }
    res
      .status(401)
      .set('www-authenticate', 'Bearer')
      .json({
        errors: [{ message: `A valid token is required (Authorization: Bearer <${variable}>).`, extensions: { code: 'UNAUTHENTICATED' } }],
      });
  };
}
