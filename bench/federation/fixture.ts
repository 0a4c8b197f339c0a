/**
 * The public federation gateway benchmark fixture (read-only, shared between projects): supergraph, rows,
 * the one query and the exact expected response. Everything in bench/federation reads it through here so a
 * missing folder fails once, with a message that says where it was looked for.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';

/** `../shared/bench/federation-benchmark/` relative to the repository root. */
export const FIXTURE_DIR = new URL('../../../shared/bench/federation-benchmark/', import.meta.url);

const FILES = ['supergraph.graphql', 'data.json', 'query.graphql', 'expected.json'] as const;

export type BenchData = {
  users: Array<{ id: string; name: string; username: string; birthday: number }>;
  products: Array<{ upc: string; name: string; price: number; weight: number }>;
  inventory: Array<{ upc: string; inStock: boolean }>;
  reviews: Array<{ id: string; body: string; upc: string }>;
};

export type Fixture = {
  dir: string;
  supergraphSdl: string;
  data: BenchData;
  query: string;
  /** expected.json as parsed. */
  expected: unknown;
  /** expected.json re-serialised compactly: what a correct gateway sends byte for byte. */
  expectedBody: string;
};

export class FixtureMissingError extends Error {
  override name = 'FixtureMissingError';
}

/** True when the shared fixture folder and all its files are present (tests skip on false). */
export function fixturePresent(): boolean {
  return FILES.every((file) => existsSync(new URL(file, FIXTURE_DIR)));
}

let cached: Fixture | undefined;

export function loadFixture(): Fixture {
  if (cached) return cached;
  const dir = fileURLToPath(FIXTURE_DIR);
  const missing = FILES.filter((file) => !existsSync(new URL(file, FIXTURE_DIR)));
  if (missing.length > 0) {
    throw new FixtureMissingError(
      `The federation benchmark fixture is missing: ${missing.join(', ')} not found in ${dir}. ` +
        'It is expected at ../shared/bench/federation-benchmark/ beside the repository (read-only, not part of this repo).',
    );
  }
  const read = (file: string) => readFileSync(new URL(file, FIXTURE_DIR), 'utf8');
  const expected: unknown = JSON.parse(read('expected.json'));
  cached = {
    dir,
    supergraphSdl: read('supergraph.graphql'),
    data: JSON.parse(read('data.json')) as BenchData,
    query: read('query.graphql'),
    expected,
    expectedBody: JSON.stringify(expected),
  };
  return cached;
}

/** The fixture's supergraph with every `@join__graph` URL pointed at `<subgraphsUrl>/<name>`. */
export function supergraphFor(subgraphsUrl: string): string {
  const base = subgraphsUrl.replace(/\/+$/, '');
  return loadFixture().supergraphSdl.replace(
    /@join__graph\(name: "([^"]+)", url: "[^"]*"\)/g,
    (_match, name: string) => `@join__graph(name: "${name}", url: "${base}/${name}")`,
  );
}

/**
 * Whether a response body is the expected response. The fast path is a string comparison (the gateways
 * serialise fields in query order, as expected.json does); anything else is parsed and deep-compared so a
 * gateway that only orders keys differently is not counted wrong.
 */
export function matchesExpected(body: string): boolean {
  const { expectedBody, expected } = loadFixture();
  // Some servers end the body with a newline; that is framing, not a different response.
  if (body === expectedBody || (body.length === expectedBody.length + 1 && body.startsWith(expectedBody) && body.endsWith('\n')))
    return true;
  try {
    // isDeepStrictEqual ignores the order of object keys and not the order of list items, as GraphQL does.
    return isDeepStrictEqual(JSON.parse(body), expected);
  } catch {
    return false;
  }
}
