import type { RequestHandler } from 'express';
import type { ClientRegistry } from './clients.js';

/**
 * Who is calling. Declared clients authenticate with `x-api-key`; without a key the caller is anonymous
 * (refused when REQUIRE_API_KEY is on). The client name scopes PRIVATE cache entries and rate limits:
 * Interchange authorizes per API client, so PRIVATE data is cached per client.
 */
export type Caller =
  | { kind: 'frontend' | 'partner'; name: string; rateLimitPerMinute: number }
  | { kind: 'anonymous'; name: undefined; address: string };

export type CallerOptions = {
  registry: ClientRegistry | undefined;
  requireApiKey: boolean;
};

/** Sends a GraphQL-shaped error from express middleware, before Apollo Server is reached. */
export function refuse(res: Parameters<RequestHandler>[1], status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  res.status(status).set(headers).json({ errors: [{ message, extensions: { code } }] });
}

export function identifyCaller(options: CallerOptions): RequestHandler {
  return (req, res, next) => {
    const key = req.headers['x-api-key'];
    if (typeof key === 'string' && key !== '') {
      const client = options.registry?.find(key);
      if (!client) return refuse(res, 401, 'UNAUTHENTICATED', 'Unknown API key.');
      res.locals.caller = { kind: client.kind, name: client.name, rateLimitPerMinute: client.rateLimitPerMinute } satisfies Caller;
      return next();
    }
    if (options.requireApiKey) return refuse(res, 401, 'UNAUTHENTICATED', 'An API key is required: send it in the x-api-key header.');
    res.locals.caller = { kind: 'anonymous', name: undefined, address: req.socket.remoteAddress ?? 'unknown' } satisfies Caller;
    next();
  };
}
