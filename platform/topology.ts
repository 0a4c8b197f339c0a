/**
 * The subgraphs of the embedded deployment, their default ports and source folders (codegen writes
 * `<dir>/__generated__/resolvers.ts`). The supergraph is composed with these URLs; a split deployment overrides
 * each with SUBGRAPH_<NAME>_URL at the gateway.
 * Adding a subgraph: add it here, add schema/<name>.graphql, run `npm run generate`.
 * `sync` is not a vendor: it serves what sync/ knows about each customer (Customer.sync) from the database.
 */
export const SUBGRAPHS = [
  { name: 'crm', port: 4001, dir: 'subgraphs/crm' },
  { name: 'payments', port: 4002, dir: 'subgraphs/payments' },
  { name: 'analytics', port: 4003, dir: 'subgraphs/analytics' },
  { name: 'erp', port: 4004, dir: 'subgraphs/erp' },
  { name: 'sync', port: 4005, dir: 'sync' },
] as const;

export type SubgraphName = (typeof SUBGRAPHS)[number]['name'];

export function defaultSubgraphUrl(port: number): string {
  return `http://127.0.0.1:${port}/graphql`;
}
