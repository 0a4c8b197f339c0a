/**
 * The benchmark's four subgraphs (accounts, products, inventory, reviews) on one port, serving the fixture's
 * rows by the rules in its README. Run alone: `PORT=4200 tsx bench/federation/subgraphs.ts [--cache-hints]`.
 *
 * Built for being cheap rather than featureful, so the gateway in front is what gets measured: plain
 * node:http, each distinct operation parsed and validated once, then only `execute` per request.
 *
 *   POST /<subgraph>        GraphQL (JSON body: query, variables, operationName)
 *   GET /_stats             requests per subgraph since the last reset: {"accounts": n, ..., "total": n}
 *   DELETE /_stats          reset the counts
 *   PUT /_cache-hints/on    send `Cache-Control: public, max-age=<s>` with every GraphQL response (off: stop)
 */
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import type { DocumentNode, GraphQLSchema } from 'graphql';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { loadFixture, type BenchData } from './fixture.js';

// graphql-js through require, the instance @apollo/subgraph (CommonJS) builds its schemas with: a bundler
// such as vitest's resolves an ESM `import 'graphql'` to the package's .mjs copy, and graphql-js refuses to
// execute a schema built by the other copy.
const { execute, parse, validate } = createRequire(import.meta.url)('graphql') as typeof import('graphql');

export const SUBGRAPH_NAMES = ['accounts', 'products', 'inventory', 'reviews'] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];
export type SubgraphStats = Record<SubgraphName | 'total', number>;

export type SubgraphsOptions = {
  /** Port to listen on; default 0 (a free port). */
  port?: number;
  /** Host to listen on; default 127.0.0.1 (the benchmark is local only). */
  host?: string;
  /** Send cache hints from the start; default false (switchable later with PUT /_cache-hints/on|off). */
  cacheHints?: boolean;
  /** max-age of the cache hint in seconds; default 60. */
  cacheMaxAgeSeconds?: number;
};

export type Subgraphs = {
  /** Base URL without trailing slash; subgraph `name` is at `${url}/${name}`. */
  url: string;
  stats(): SubgraphStats;
  resetStats(): void;
  setCacheHints(on: boolean): void;
  close(): Promise<void>;
};

type Ref = Record<string, unknown>;

/** Resolvers per subgraph, exactly as the fixture README's rules state (the expected response depends on them). */
function resolvers(data: BenchData): Record<SubgraphName, GraphQLResolverMap<unknown>> {
  const userById = new Map(data.users.map((user) => [user.id, user]));
  const productByUpc = new Map(data.products.map((product) => [product.upc, product]));
  const inventoryByUpc = new Map(data.inventory.map((row) => [row.upc, row]));
  const reviewById = new Map(data.reviews.map((review) => [review.id, review]));
  return {
    accounts: {
      Query: {
        me: () => data.users[0],
        user: (_root, args: { id: string }) => userById.get(args.id) ?? null,
        users: () => data.users,
      },
      User: { __resolveReference: (ref: Ref) => userById.get(ref.id as string) ?? null },
    },
    products: {
      Query: { topProducts: (_root, args: { first?: number }) => data.products.slice(0, args.first ?? 5) },
      Product: { __resolveReference: (ref: Ref) => productByUpc.get(ref.upc as string) ?? null },
    },
    inventory: {
      Product: {
        // The rule: the price and weight the gateway sends (@requires) are ignored; the subgraph uses its own
        // row, which has neither, so shippingEstimate below is always null.
        __resolveReference: (ref: Ref) => {
          const row = inventoryByUpc.get(ref.upc as string);
          return row ? { ...row } : null;
        },
        shippingEstimate: (product: { price?: number; weight?: number }) => {
          if (typeof product.price !== 'number' || typeof product.weight !== 'number') return null;
          return product.price > 1000 ? 0 : Math.round(product.weight * 0.5);
        },
      },
    },
    reviews: {
      Review: {
        __resolveReference: (ref: Ref) => reviewById.get(ref.id as string) ?? null,
        product: (review: { upc: string }) => ({ __typename: 'Product', upc: review.upc }),
        author: () => ({ __typename: 'User', id: '1', username: 'urigo' }),
      },
      Product: {
        __resolveReference: (ref: Ref) => ({ upc: ref.upc }),
        reviews: (product: { upc: string }) => data.reviews.filter((review) => review.upc === product.upc),
      },
      User: {
        __resolveReference: (ref: Ref) => ({ id: ref.id }),
        // Whatever the id, the first two reviews in file order.
        reviews: () => data.reviews.slice(0, 2),
      },
    },
  };
}

/** The SDL of one subgraph, from the .graphql file beside this one. */
export function subgraphSdl(name: SubgraphName): string {
  return readFileSync(new URL(`./${name}.graphql`, import.meta.url), 'utf8');
}

function buildSchemas(): Record<SubgraphName, GraphQLSchema> {
  const resolverMaps = resolvers(loadFixture().data);
  return Object.fromEntries(
    SUBGRAPH_NAMES.map((name) => [name, buildSubgraphSchema({ typeDefs: parse(subgraphSdl(name)), resolvers: resolverMaps[name] })]),
  ) as Record<SubgraphName, GraphQLSchema>;
}

/** Parsed and validated documents by subgraph and query text; gateways send a handful of distinct ones. */
const DOCUMENT_CACHE_LIMIT = 1000;

type Body = { query?: unknown; variables?: unknown; operationName?: unknown };

export async function startSubgraphs(options: SubgraphsOptions = {}): Promise<Subgraphs> {
  const schemas = buildSchemas();
  const documents = new Map<string, { document: DocumentNode } | { errors: string[] }>();
  const counts = Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, 0])) as Record<SubgraphName, number>;
  let cacheHints = options.cacheHints ?? false;
  const cacheControl = `public, max-age=${options.cacheMaxAgeSeconds ?? 60}`;

  const stats = (): SubgraphStats => ({ ...counts, total: SUBGRAPH_NAMES.reduce((sum, name) => sum + counts[name], 0) });
  const resetStats = () => {
    for (const name of SUBGRAPH_NAMES) counts[name] = 0;
  };

  function prepare(name: SubgraphName, query: string) {
    const key = `${name}\n${query}`;
    let prepared = documents.get(key);
    if (!prepared) {
      try {
        const document = parse(query);
        const errors = validate(schemas[name], document);
        prepared = errors.length > 0 ? { errors: errors.map((error) => error.message) } : { document };
      } catch (error) {
        prepared = { errors: [error instanceof Error ? error.message : String(error)] };
      }
      // Bounded: a misbehaving client sending endless distinct queries cannot grow the cache forever.
      if (documents.size >= DOCUMENT_CACHE_LIMIT) documents.clear();
      documents.set(key, prepared);
    }
    return prepared;
  }

  async function graphql(name: SubgraphName, req: IncomingMessage, res: ServerResponse) {
    counts[name] += 1;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body: Body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Body;
    } catch {
      return send(res, 400, { errors: [{ message: 'Body is not JSON.' }] });
    }
    if (typeof body.query !== 'string') return send(res, 400, { errors: [{ message: 'Missing query.' }] });
    const prepared = prepare(name, body.query);
    if ('errors' in prepared) return send(res, 400, { errors: prepared.errors.map((message) => ({ message })) });
    const result = await execute({
      schema: schemas[name],
      document: prepared.document,
      variableValues: (body.variables ?? undefined) as Record<string, unknown> | undefined,
      operationName: typeof body.operationName === 'string' ? body.operationName : undefined,
    });
    send(res, 200, result, cacheHints ? { 'cache-control': cacheControl } : {});
  }

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const name = path.slice(1) as SubgraphName;
    if (req.method === 'POST' && SUBGRAPH_NAMES.includes(name)) {
      graphql(name, req, res).catch((error: unknown) => send(res, 500, { errors: [{ message: String(error) }] }));
      return;
    }
    if (path === '/_stats' && req.method === 'GET') return send(res, 200, stats());
    if (path === '/_stats' && req.method === 'DELETE') {
      resetStats();
      return send(res, 200, stats());
    }
    if ((path === '/_cache-hints/on' || path === '/_cache-hints/off') && req.method === 'PUT') {
      cacheHints = path.endsWith('/on');
      return send(res, 200, { cacheHints });
    }
    send(res, 404, { errors: [{ message: `No route for ${req.method} ${path}.` }] });
  });
  // Longer than the gateways' keep-alive pools so connections are closed by the client side, never mid-use.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    stats,
    resetStats,
    setCacheHints(on) {
      cacheHints = on;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function send(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

// Entry point when run as its own process.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const port = Number(process.env.PORT ?? 4200);
  const subgraphs = await startSubgraphs({ port, cacheHints: process.argv.includes('--cache-hints') });
  console.log(`subgraphs: ${subgraphs.url}/{${SUBGRAPH_NAMES.join(',')}}`);
  const stop = () => {
    subgraphs.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
