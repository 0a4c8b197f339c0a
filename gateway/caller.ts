import type { Request } from 'express';
import { ErrorCode } from '../platform/index.js';
import type { ClientRegistry } from './clients.js';
import { Refusal } from './pipeline.js';

/**
 * Who is calling. Declared clients authenticate with `x-api-key`; without a key the caller is anonymous
 * (refused when REQUIRE_API_KEY is on). The client name scopes rate limits and budgets.
 */
export type Caller =
  | { kind: 'frontend' | 'partner'; name: string; rateLimitPerMinute: number }
  | { kind: 'anonymous'; name: undefined; address: string };

export type CallerOptions = {
  /** The declared API clients; undefined: every caller is anonymous. */
  registry: ClientRegistry | undefined;
  /** Refuse callers without an API key. */
  requireApiKey: boolean;
};

/** The pipeline's identification: the API client of `x-api-key`, or an anonymous caller by address. */
export function identifyCaller(options: CallerOptions): (req: Request) => Caller {
  return (req) => {
    const key = req.headers['x-api-key'];
    if (typeof key === 'string' && key !== '') {
      const client = options.registry?.find(key);
      if (!client) throw new Refusal(401, ErrorCode.UNAUTHENTICATED, 'Unknown API key.');
      return { kind: client.kind, name: client.name, rateLimitPerMinute: client.rateLimitPerMinute };
    }
    if (options.requireApiKey) throw new Refusal(401, ErrorCode.UNAUTHENTICATED, 'An API key is required: send it in the x-api-key header.');
    return { kind: 'anonymous', name: undefined, address: req.socket.remoteAddress ?? 'unknown' };
  };
}
