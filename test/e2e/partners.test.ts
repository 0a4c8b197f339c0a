import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { hashApiKey } from '../../gateway/clients.js';
import { startTestStack, type TestStack } from '../kit/stack.js';

const PARTNER_KEY = 'partner-key-0123456789';
const FRONTEND_KEY = 'frontend-key-0123456789';
/** A partner of its own for the rate-limit test, so no other test (in any order) spends its quota. */
const METERED_KEY = 'metered-partner-key-0123456789';
const manifest = JSON.parse(readFileSync(new URL('../../operations/manifest.json', import.meta.url), 'utf8')) as {
  operations: Array<{ id: string; name: string; body: string }>;
};
const profile = manifest.operations.find((operation) => operation.name === 'CustomerProfile')!;

let stack: TestStack;
let registryPath: string;
const clients = [
  { name: 'acme-partner', kind: 'partner', keySha256: hashApiKey(PARTNER_KEY), rateLimitPerMinute: 5 },
  { name: 'web', kind: 'frontend', keySha256: hashApiKey(FRONTEND_KEY), rateLimitPerMinute: 10_000 },
  { name: 'metered-partner', kind: 'partner', keySha256: hashApiKey(METERED_KEY), rateLimitPerMinute: 5 },
];

beforeAll(async () => {
  registryPath = join(mkdtempSync(join(tmpdir(), 'interchange-')), 'clients.json');
  writeFileSync(registryPath, JSON.stringify({ clients }));
  stack = await startTestStack({ CLIENT_REGISTRY: registryPath });
});
afterAll(() => stack.close());

async function send(key: string | undefined, body: unknown) {
  const response = await fetch(`${stack.gatewayUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { 'x-api-key': key } : {}) },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as {
      data?: Record<string, unknown>;
      errors?: Array<{ message: string; extensions?: { code?: string } }>;
    },
  };
}

describe('partners run persisted operations only', () => {
  const email = () => [...stack.emulators.hubspot!.store.all('contacts')][5]!.properties.email;

  it('refuses an ad-hoc query from a partner key with a clear error', async () => {
    const result = await send(PARTNER_KEY, { query: profile.body, variables: { email: email() } });
    expect(result.status).toBe(403);
    expect(result.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_REQUIRED');
    expect(result.body.errors?.[0]?.message).toMatch(/documentId/);
  });

  it('runs a manifest operation by id, as documentId or as the APQ hash', async () => {
    const byDocumentId = await send(PARTNER_KEY, { documentId: `sha256:${profile.id}`, variables: { email: email() } });
    expect(byDocumentId.status).toBe(200);
    expect(byDocumentId.body.errors).toBeUndefined();
    expect(byDocumentId.body.data).toMatchObject({ customerByEmail: { email: email() } });
    const byHash = await send(PARTNER_KEY, {
      extensions: { persistedQuery: { version: 1, sha256Hash: profile.id } },
      variables: { email: email() },
    });
    expect(byHash.body).toEqual(byDocumentId.body);
  });

  it('answers an unknown id with PERSISTED_QUERY_NOT_FOUND', async () => {
    const result = await send(PARTNER_KEY, { documentId: 'a'.repeat(64) });
    expect(result.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('lets frontends send any operation, and refuses unknown keys', async () => {
    const adHoc = await send(FRONTEND_KEY, { query: '{ customers(first: 1) { nodes { id } } }' });
    expect(adHoc.body.errors).toBeUndefined();
    const unknown = await send('not-a-registered-key', { query: '{ __typename }' });
    expect(unknown.status).toBe(401);
    expect(unknown.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it("limits each client's requests a minute, with Retry-After", async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 7; i++) {
      const result = await send(METERED_KEY, { documentId: profile.id, variables: { email: email() } });
      statuses.push(result.status);
      retryAfter ??= result.headers.get('retry-after');
    }
    // Its own 5 a minute, untouched by the other tests: the sixth request is the first refused.
    expect(statuses).toContain(429);
    expect(statuses.indexOf(429)).toBe(5);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    const frontend = await send(FRONTEND_KEY, { query: '{ __typename }' });
    expect(frontend.status).toBe(200);
  });

  it('reloads the client registry without a restart', async () => {
    const newKey = 'late-partner-key-0123456789';
    expect((await send(newKey, { documentId: profile.id, variables: { email: email() } })).status).toBe(401);
    writeFileSync(
      registryPath,
      JSON.stringify({ clients: [...clients, { name: 'late', kind: 'partner', keySha256: hashApiKey(newKey), rateLimitPerMinute: 100 }] }),
    );
    // Checked at most once a second, on use: move the clock past that second instead of waiting for it.
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    vi.setSystemTime(Date.now() + 1_100);
    const result = await send(newKey, { documentId: profile.id, variables: { email: email() } }).finally(() => vi.useRealTimers());
    expect(result.status).toBe(200);
    expect(result.body.data).toMatchObject({ customerByEmail: { email: email() } });
  });
});
