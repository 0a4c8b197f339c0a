import type { IncomingMessage } from 'node:http';
import { ErrorCode } from '../platform/index.js';
import type { ClientRegistry } from './clients.js';
import { Refusal } from './pipeline.js';
import type { User, UserVerifier } from './users.js';

/**
 * Who is calling. Declared clients authenticate with `x-api-key`; without a key the caller is anonymous
 * (refused when REQUIRE_API_KEY is on). The client name scopes rate limits and budgets.
 */
export type Caller =
  | {
      kind: 'frontend' | 'partner';
      name: string;
      rateLimitPerMinute: number;
      /** The client's own scopes from the registry; undefined: none declared (see Client.scopes). */
      scopes?: ReadonlySet<string> | undefined;
    }
  | { kind: 'anonymous'; name: undefined; address: string };

export type CallerOptions = {
  /** The declared API clients; undefined: every caller is anonymous. */
  registry: ClientRegistry | undefined;
  /** Refuse callers without an API key. */
  requireApiKey: boolean;
  /** Verifies bearer tokens; undefined: tokens are not accepted (a request carrying one is refused). */
  users: UserVerifier | undefined;
};

/** Who sends a request: its API client (or anonymous) and its user, if it carries a verified token. */
export type Identity = { caller: Caller; user: User | undefined };

export type Identify = {
  /** Identifies the request's caller; bad credentials throw a 401 Refusal. */
  (req: IncomingMessage): Promise<Identity>;
  /**
   * The same without waiting, when nothing needs verifying (no token, or one whose verdict is remembered);
   * undefined when the token has to be verified first. Bad credentials known already throw their Refusal.
   */
  now(req: IncomingMessage): Identity | undefined;
};

/**
 * The pipeline's identification: the API client of `x-api-key` (or an anonymous caller by address) and the
 * user of `Authorization: Bearer`. A request may carry both: a frontend's key and its user's token.
 */
export function identifyCaller(options: CallerOptions): Identify {
  const noUsers = (req: IncomingMessage) => {
    if (req.headers.authorization !== undefined && !options.users) {
      throw new Refusal(
        401,
        ErrorCode.UNAUTHENTICATED,
        'This gateway accepts no user tokens: configure JWT_JWKS_URL or JWT_PUBLIC_KEY (or the development issuer).',
      );
    }
  };
  const identify = async (req: IncomingMessage): Promise<Identity> => {
    noUsers(req);
    const caller = clientOf(req, options);
    return { caller, user: await options.users?.(req) };
  };
  return Object.assign(identify, {
    now(req: IncomingMessage): Identity | undefined {
      noUsers(req);
      const caller = clientOf(req, options);
      const user = options.users ? options.users.known(req) : undefined;
      return user === 'unknown' ? undefined : { caller, user };
    },
  });
}

function clientOf(req: IncomingMessage, options: CallerOptions): Caller {
  const key = req.headers['x-api-key'];
  if (typeof key === 'string' && key !== '') {
    const client = options.registry?.find(key);
    if (!client) throw new Refusal(401, ErrorCode.UNAUTHENTICATED, 'Unknown API key.');
    return {
      kind: client.kind,
      name: client.name,
      rateLimitPerMinute: client.rateLimitPerMinute,
      scopes: client.scopes ? new Set(client.scopes) : undefined,
    };
  }
  if (options.requireApiKey) throw new Refusal(401, ErrorCode.UNAUTHENTICATED, 'An API key is required: send it in the x-api-key header.');
  return { kind: 'anonymous', name: undefined, address: req.socket.remoteAddress ?? 'unknown' };
}
