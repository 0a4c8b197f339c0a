/**
 * The subgraphs of the embedded deployment and their default ports; each one's code is in subgraphs/<name>/
 * (codegen writes `subgraphs/<name>/__generated__/resolvers.ts`). The supergraph is composed with these URLs; a
 * split deployment overrides each with SUBGRAPH_<NAME>_URL at the gateway.
 * Adding a subgraph: add it here, add schema/<name>.graphql, run `npm run generate`. A subgraph with a `part` is
 * served by that part's process and folder (codegen: `subgraphs/<part>/__generated__/<name>.ts`).
 * `sync` is not a vendor: it serves what sync/ knows about each customer (Customer.sync, the sagas).
 */
export const SUBGRAPHS = [
  { name: 'crm', port: 4001 },
  { name: 'payments', port: 4002 },
  { name: 'analytics', port: 4003 },
  { name: 'erp', port: 4004 },
  { name: 'sync', port: 4005 },
  // HubSpot again: the CRM's relations (Customer.company, Customer.deals) in a fetch of their own, so the other
  // vendors' fetches need not wait for them. Served by the crm part, with the CRM's one client.
  { name: 'crm-relations', port: 4006, part: 'crm' },
] as const;

export type SubgraphName = (typeof SUBGRAPHS)[number]['name'];

/** A subgraph served by another subgraph's part (same process, same vendor client), and that part. */
type Companion = Extract<(typeof SUBGRAPHS)[number], { part: string }>;

/** The subgraphs that are parts of their own (`npm start -- <part>`); a companion starts with its part. */
export type PartName = Exclude<SubgraphName, Companion['name']>;

/** The subgraphs that are parts of their own, in topology order: what the launcher starts. */
export const SUBGRAPH_PARTS = SUBGRAPHS.filter(
  (subgraph): subgraph is Extract<(typeof SUBGRAPHS)[number], { name: PartName }> => !('part' in subgraph),
);

/** The subgraphs a part serves besides its own: `crm` also serves `crm-relations`. */
export function companionsOf(part: PartName): Array<{ name: SubgraphName; port: number }> {
  return SUBGRAPHS.filter((subgraph): subgraph is Companion => 'part' in subgraph && subgraph.part === part);
}

/** Where a subgraph's code lives: its own folder, or its part's (`crm-relations` is served from subgraphs/crm/). */
export function subgraphFolder(name: SubgraphName): string {
  const subgraph = SUBGRAPHS.find((candidate) => candidate.name === name);
  return subgraph && 'part' in subgraph ? subgraph.part : name;
}

export function defaultSubgraphUrl(port: number): string {
  return `http://127.0.0.1:${port}/graphql`;
}
