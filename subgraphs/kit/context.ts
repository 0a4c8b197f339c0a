import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { IDENTITY_HEADERS, type Logger } from '../../platform/index.js';
import { readDeadline } from './policy/deadline.js';

/**
 * What every resolver gets. `loaders` is the vendor's DataLoader set, made anew for each request so batches
 * and per-request memoization never leak between callers; `client` is the vendor client, shared by all
 * requests, for mutations.
 */
export type SubgraphContext<Client, Loaders> = {
  requestId: string;
  /** W3C trace context from the gateway, passed on to vendor calls where the client allows. */
  traceparent: string | undefined;
  log: Logger;
  /**
   * When the gateway stops waiting (`x-request-deadline`, ms since epoch), or undefined when the request
   * carries none (a direct call): vendor calls then get their policy's budget.
   */
  deadline: number | undefined;
  /** The vendor client, bound to this request's deadline. */
  client: Client;
  loaders: Loaders;
  /** The entities this request touched (`Typename:key`), collected for cache tagging. */
  entityTags: Set<string>;
  /**
   * Who the gateway says is calling (its identity headers, covered by its signature): the JWT user's `sub` and the
   * API client's name, each undefined when absent.
   */
  caller: { user: string | undefined; client: string | undefined };
};

export function createRequestContext<Client extends { withDeadline(deadline: number | undefined): Client }, Loaders>(
  headers: IncomingHttpHeaders,
  log: Logger,
  client: Client,
  createLoaders: (client: Client) => Loaders,
): SubgraphContext<Client, Loaders> {
  const header = (name: string): string | undefined => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const requestId = header('x-request-id') ?? randomUUID();
  const deadline = readDeadline(headers);
  // Resolvers and loaders see the same per-request client, so every vendor call of the request, mutations
  // and lists included, stops at the request's deadline.
  const bound = client.withDeadline(deadline);
  return {
    requestId,
    traceparent: header('traceparent'),
    log: log.child({ requestId }),
    deadline,
    client: bound,
    loaders: createLoaders(bound),
    entityTags: new Set(),
    caller: { user: header(IDENTITY_HEADERS.user), client: header(IDENTITY_HEADERS.client) },
  };
}
