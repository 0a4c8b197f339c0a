import type { PendingResponse } from './response-cache.js';
import type { Caller } from './caller.js';
import type { RequestTrace } from './telemetry.js';

/** What the gateway keeps per request. */
export type GatewayContext = {
  requestId: string;
  /** Lower-case header name -> value, for the headers the data source propagates. */
  requestHeaders: Record<string, string | undefined>;
  caller: Caller;
  /** Entity tags the subgraphs reported for this request (`Typename:key`). */
  entityTags: Set<string>;
  /** The request's span and fetch instrumentation; absent when the gateway runs without telemetry. */
  trace?: RequestTrace;
  /** Set by the response cache's fast path on a miss: where to store this response, and who waits for it. */
  responseCache?: PendingResponse;
};
