import type { Caller } from './caller.js';
import type { RequestState } from './pipeline.js';
import type { RequestTrace } from './telemetry.js';

/** What the gateway keeps per request. */
export type GatewayContext = {
  requestId: string;
  /** Lower-case header name -> value, for the headers the data source propagates. */
  requestHeaders: Record<string, string | undefined>;
  caller: Caller;
  /** What the request pipeline established before Apollo (document, cost, removed fields). */
  request: RequestState;
  /** Entity tags the subgraphs reported for this request (`Typename:key`). */
  entityTags: Set<string>;
  /** The request's span and fetch instrumentation; absent when the gateway runs without telemetry. */
  trace?: RequestTrace;
};
