import type { PendingResponse } from './response-cache.js';
import type { Caller } from './caller.js';

/** What the gateway keeps per request. */
export type GatewayContext = {
  requestId: string;
  /** Lower-case header name -> value, for the headers the data source propagates. */
  requestHeaders: Record<string, string | undefined>;
  caller: Caller;
  /** Entity tags the subgraphs reported for this request (`Typename:key`). */
  entityTags: Set<string>;
  /** Set by the response cache's fast path on a miss: where to store this response, and who waits for it. */
  responseCache?: PendingResponse;
};
