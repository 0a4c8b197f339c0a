/**
 * Sync's way to the vendors (customer sync, its audit and the sagas alike): the gateway's own GraphQL API, called
 * as a service user, so the subgraphs' validation, idempotency keys, call policies and cache purges apply to sync's
 * writes exactly as to anyone's.
 */

export type ServiceIdentity = {
  /** A bearer token with the scopes sync needs (crm:read billing:read orders:read customers:write billing:write); read on each call, so a renewed token is picked up. */
  token(): Promise<string>;
  /** An API key, where the gateway requires one. */
  apiKey?: string;
};

export type GraphQLError = {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: { code?: string } & Record<string, unknown>;
};

/** Raised when the gateway answers with no data at all (refused, down): the job is retried. */
export class GatewayError extends Error {
  constructor(
    message: string,
    readonly errors: readonly GraphQLError[] = [],
    /** True when no request was sent (no gateway to send it to yet): the vendors cannot have acted. */
    readonly unreachable = false,
  ) {
    super(message);
    this.name = 'GatewayError';
  }
}

export type GatewayClient = {
  /**
   * Sends one operation; answers data and the per-field errors (a mutation's failure is one field's). `fresh`
   * sends `Cache-Control: no-cache`: the gateway answers from the vendors' present state, never its cache.
   */
  request<T>(
    query: string,
    variables: Record<string, unknown>,
    options?: { fresh?: boolean },
  ): Promise<{ data: T; errors: readonly GraphQLError[] }>;
  /** Requests sent since start (the benchmark's "gateway calls per change"). */
  readonly sent: number;
};

export function createGatewayClient(options: {
  url: () => string | undefined;
  identity: ServiceIdentity;
  timeoutMs?: number;
}): GatewayClient {
  let sent = 0;
  return {
    get sent() {
      return sent;
    },
    async request<T>(query: string, variables: Record<string, unknown>, request: { fresh?: boolean } = {}) {
      const base = options.url();
      if (!base) throw new GatewayError('The gateway is not listening yet (SYNC_GATEWAY_URL); the call is retried.', [], true);
      sent++;
      const send = async () =>
        fetch(`${base}/graphql`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${await options.identity.token()}`,
            ...(options.identity.apiKey ? { 'x-api-key': options.identity.apiKey } : {}),
            // Not a browser: the gateway's CSRF prevention asks for this on every non-JSON-only request.
            'apollo-require-preflight': 'true',
            ...(request.fresh ? { 'cache-control': 'no-cache' } : {}),
          },
          body: JSON.stringify({ query, variables }),
          signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
        });
      // A kept-alive socket the gateway closed while idle fails the next request before it is sent: one retry
      // on a fresh socket. Sync's and the sagas' writes are idempotent (Stripe keys, ERP versions, steps safe to repeat), so even a repeat is safe.
      const response = await send().catch((error: unknown) => {
        const code = (error as { cause?: { code?: string } }).cause?.code;
        if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return send();
        throw error;
      });
      const text = await response.text();
      let body: { data?: T | null; errors?: GraphQLError[] };
      try {
        body = JSON.parse(text) as typeof body;
      } catch {
        throw new GatewayError(`The gateway answered ${response.status} with no GraphQL body: ${text.slice(0, 200)}`);
      }
      if (body.data === null || body.data === undefined)
        throw new GatewayError(
          `The gateway answered ${response.status}: ${(body.errors ?? []).map((error) => error.message).join('; ') || 'no data'}`,
          body.errors ?? [],
        );
      return { data: body.data, errors: body.errors ?? [] };
    },
  };
}
