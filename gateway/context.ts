/** What the gateway keeps per request: the headers it propagates to subgraphs. */
export type GatewayContext = {
  requestId: string;
  /** Lower-case header name -> value, for the headers the data source propagates. */
  requestHeaders: Record<string, string | undefined>;
};
