import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from '../../platform/index.js';

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
  client: Client;
  loaders: Loaders;
  /** The entities this request touched (`Typename:key`), collected for cache tagging. */
  entityTags: Set<string>;
};

export function createRequestContext<Client, Loaders>(
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
  return {
    requestId,
    traceparent: header('traceparent'),
    log: log.child({ requestId }),
    client,
    loaders: createLoaders(client),
    entityTags: new Set(),
  };
}
