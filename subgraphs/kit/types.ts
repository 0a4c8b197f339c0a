// The shapes of schema/shared.graphql's value types, as resolvers return them. Each subgraph's generated
// types describe the same shapes; these exist so the kit need not import any one subgraph's codegen.
export type Money = { amount: number; currency: string; formatted: string };

export type PageInfo = {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
};

export type Connection<Node> = {
  edges: Array<{ cursor: string; node: Node }>;
  nodes: Node[];
  pageInfo: PageInfo;
  totalCount?: number | null;
};
