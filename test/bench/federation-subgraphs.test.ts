import { composeServices } from '@apollo/composition';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { parse, print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_DIR, fixturePresent, loadFixture, matchesExpected, supergraphFor } from '../../bench/federation/fixture.js';
import { SUBGRAPH_NAMES, startSubgraphs, subgraphSdl, type Subgraphs } from '../../bench/federation/subgraphs.js';

// The fixture lives outside the repository; without it there is nothing to check against.
const present = fixturePresent();
if (!present) console.warn(`skipping the federation benchmark subgraph tests: fixture folder ${FIXTURE_DIR.pathname} is absent`);

describe.skipIf(!present)('federation benchmark subgraphs', () => {
  let subgraphs: Subgraphs;
  let gateway: ApolloServer;
  let gatewayUrl: string;

  beforeAll(async () => {
    subgraphs = await startSubgraphs();
    gateway = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl: supergraphFor(subgraphs.url) }) });
    ({ url: gatewayUrl } = await startStandaloneServer(gateway, { listen: { port: 0, host: '127.0.0.1' } }));
  });
  afterAll(async () => {
    await gateway?.stop();
    await subgraphs?.close();
  });

  it("compose to the fixture's supergraph", () => {
    const result = composeServices(
      SUBGRAPH_NAMES.map((name) => ({ name, url: `http://127.0.0.1:4200/${name}`, typeDefs: parse(subgraphSdl(name)) })),
    );
    expect(result.errors).toBeUndefined();
    // Printed through graphql-js on both sides: the fixture file is formatted differently, the schema is the same.
    expect(print(parse(result.supergraphSdl!))).toBe(print(parse(loadFixture().supergraphSdl)));
  });

  it('answer the benchmark query through a plain @apollo/gateway with exactly expected.json', async () => {
    subgraphs.resetStats();
    const response = await fetch(gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: loadFixture().query }),
    });
    expect(response.status).toBe(200);
    const body = await response.text();
    expect(JSON.parse(body)).toStrictEqual(loadFixture().expected);
    expect(matchesExpected(body)).toBe(true);
    // The published figure for a plain @apollo/gateway on this query.
    expect(subgraphs.stats().total).toBe(16);
  });

  it('count requests per subgraph, reset them, and send cache hints only when switched on', async () => {
    subgraphs.resetStats();
    const post = () =>
      fetch(`${subgraphs.url}/accounts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ me { id } }' }),
      });
    const plain = await post();
    expect(await plain.json()).toEqual({ data: { me: { id: '1' } } });
    expect(plain.headers.get('cache-control')).toBeNull();
    await fetch(`${subgraphs.url}/_cache-hints/on`, { method: 'PUT' });
    expect((await post()).headers.get('cache-control')).toBe('public, max-age=60');
    subgraphs.setCacheHints(false);
    expect(await (await fetch(`${subgraphs.url}/_stats`)).json()).toEqual({ accounts: 2, products: 0, inventory: 0, reviews: 0, total: 2 });
    await fetch(`${subgraphs.url}/_stats`, { method: 'DELETE' });
    expect(subgraphs.stats().total).toBe(0);
  });

  it('tell a wrong body from the expected one', () => {
    const expected = loadFixture().expectedBody;
    expect(matchesExpected(expected)).toBe(true);
    expect(matchesExpected(`${expected}\n`)).toBe(true);
    expect(matchesExpected(expected.replace('"urigo"', '"someone"'))).toBe(false);
    expect(matchesExpected('{"errors":[{"message":"Unexpected error."}]}')).toBe(false);
  });
});
