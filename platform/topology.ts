/**
 * The subgraphs of the embedded deployment and their default ports; each one's code is in subgraphs/<name>/
 * (codegen writes `subgraphs/<name>/__generated__/resolvers.ts`). The supergraph is composed with these URLs; a
 * split deployment overrides each with SUBGRAPH_<NAME>_URL at the gateway.
 * Adding a subgraph: add it here, add schema/<name>.graphql, run `npm run generate`.
 * `sync` is not a vendor: it serves what sync/ knows about each customer (Customer.sync, the sagas).
 */
export const SUBGRAPHS = [
  { name: 'crm', port: 4001 },
  { name: 'payments', port: 4002 },
  { name: 'analytics', port: 4003 },
  { name: 'erp', port: 4004 },
  { name: 'sync', port: 4005 },
] as const;

export type SubgraphName = (typeof SUBGRAPHS)[number]['name'];

export function defaultSubgraphUrl(port: number): string {
  return `http://127.0.0.1:${port}/graphql`;
}
