import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../gateway/clients.js';
import { startGatewayProcess, type GatewayProcess } from '../kit/gateway-process.js';
import { requireRedis, startPrivateRedis, type PrivateRedis } from '../kit/redis.js';
import { startTestStack, type TestStack } from '../kit/stack.js';

// Two gateway processes on one real Redis behave as one. Redis is a private server so it can be stopped.
const KEY = 'fe-replica-key-0123456789';
const PURGE_TOKEN = 'purge-token-0123456789abcdef';
const run = requireRedis();

let redis: PrivateRedis;
let stack: TestStack;
let a: GatewayProcess;
let b: GatewayProcess;

async function post(gateway: GatewayProcess, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${gateway.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': KEY, ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    age: response.headers.get('age'),
    body: (await response.json()) as { data?: Record<string, unknown>; errors?: Array<{ extensions?: { code?: string } }> },
  };
}

describe.runIf(run)('two gateway replicas on one Redis', () => {
  beforeAll(async () => {
    redis = await startPrivateRedis();
    const registry = join(mkdtempSync(join(tmpdir(), 'interchange-')), 'clients.json');
    writeFileSync(
      registry,
      JSON.stringify({ clients: [{ name: 'web', kind: 'frontend', keySha256: hashApiKey(KEY), rateLimitPerMinute: 100_000 }] }),
    );
    const env = { REDIS_URL: redis.url, CLIENT_REGISTRY: registry, PURGE_TOKEN };
    stack = await startTestStack(env);
    const subgraphEnv = Object.fromEntries(
      Object.entries(stack.subgraphUrls).map(([name, url]) => [`SUBGRAPH_${name.toUpperCase()}_URL`, url]),
    );
    const signed = { ...env, ...subgraphEnv, SUBGRAPH_SECRET: stack.subgraphSecret };
    [a, b] = await Promise.all([startGatewayProcess(signed), startGatewayProcess(signed)]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await stack?.close();
    await redis?.stop();
  });

  it('knows on B an automatic persisted query registered on A', async () => {
    const query = '{ customer(id: "1100") { id email } }';
    const sha256Hash = createHash('sha256').update(query).digest('hex');
    const extensions = { persistedQuery: { version: 1, sha256Hash } };
    const unknown = await post(b, { extensions });
    expect(unknown.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    const registered = await post(a, { query, extensions });
    expect(registered.body.errors).toBeUndefined();
    const onB = await post(b, { extensions });
    expect(onB.body).toEqual(registered.body);
  });

  it('serves on B a response cached through A, and a purge through A is seen by B at once', async () => {
    const request = { query: 'query($id: ID!) { customer(id: $id) { id jobTitle } }', variables: { id: '1101' } };
    const cold = await post(a, request);
    expect(cold.age).toBeNull();
    const warm = await post(b, request);
    expect(warm.age).not.toBeNull();
    expect(warm.body).toEqual(cold.body);

    const purged = await fetch(`${a.url}/internal/purge`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${PURGE_TOKEN}` },
      body: JSON.stringify({ tags: ['Customer:1101'] }),
    });
    expect(((await purged.json()) as { purged: number }).purged).toBe(1);
    const purgedAt = Date.now();
    // B's first request, sent within 100 ms of the purge's answer, already misses.
    const afterPurge = post(b, request);
    expect(Date.now() - purgedAt).toBeLessThan(100);
    expect((await afterPurge).age).toBeNull();
  });

  it('keeps answering correctly from the vendors when Redis goes away', async () => {
    const request = (id: string) => ({ query: 'query($id: ID!) { customer(id: $id) { id email } }', variables: { id } });
    await post(a, request('1102'));
    await redis.stop();
    const store = stack.emulators.hubspot!.store;
    for (const [gateway, id] of [
      [a, '1102'],
      [b, '1102'],
      [a, '1103'],
      [b, '1104'],
    ] as const) {
      const result = await post(gateway, request(id));
      expect(result.status).toBe(200);
      expect(result.body).toEqual({ data: { customer: { id, email: store.get('contacts', id)!.properties.email } } });
    }
  });
});
