import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../gateway/clients.js';
import { startTestStack, type TestStack } from '../kit/stack.js';

const FRONTEND_KEY = 'fe-test-key-0123456789';
const OTHER_FRONTEND_KEY = 'fe-other-key-0123456789';
const PURGE_TOKEN = 'purge-token-0123456789abcdef';

let stack: TestStack;
const hubspot = () => stack.emulators.hubspot!.requests;

beforeAll(async () => {
  const registry = join(mkdtempSync(join(tmpdir(), 'interchange-')), 'clients.json');
  writeFileSync(
    registry,
    JSON.stringify({
      clients: [
        { name: 'web', kind: 'frontend', keySha256: hashApiKey(FRONTEND_KEY), rateLimitPerMinute: 10_000 },
        { name: 'backoffice', kind: 'frontend', keySha256: hashApiKey(OTHER_FRONTEND_KEY), rateLimitPerMinute: 10_000 },
      ],
    }),
  );
  stack = await startTestStack({ CLIENT_REGISTRY: registry, PURGE_TOKEN });
});
afterAll(() => stack.close());
beforeEach(() => hubspot().clear());

const asWeb = { 'x-api-key': FRONTEND_KEY };
const CUSTOMER = 'query($id: ID!) { customer(id: $id) { id jobTitle company { name } } }';

describe('response cache', () => {
  it('caches the public product catalogue for anonymous callers too, as the README shows', async () => {
    const PRODUCTS = '{ products(first: 3) { nodes { number description } } }';
    const first = await stack.query(PRODUCTS);
    expect(first.errors).toBeUndefined();
    expect(first.headers.get('cache-control')).toBe('max-age=30, public');
    expect(first.headers.get('age')).toBeNull();
    const calls = stack.emulators['erp-soap']!.soapCalls();
    const second = await stack.query(PRODUCTS);
    expect(second.headers.get('age')).toMatch(/^\d+$/);
    expect(second.headers.get('cache-control')).toBe('max-age=30, public');
    expect(stack.emulators['erp-soap']!.soapCalls()).toBe(calls);
  });

  it('serves a repeated query from the cache, PRIVATE to the client, with Cache-Control and Age', async () => {
    const first = await stack.query(CUSTOMER, { id: '1010' }, asWeb);
    expect(first.errors).toBeUndefined();
    expect(first.headers.get('cache-control')).toBe('max-age=60, private');
    expect(first.headers.get('age')).toBeNull();
    const calls = hubspot().count();
    expect(calls).toBeGreaterThan(0);

    const second = await stack.query(CUSTOMER, { id: '1010' }, asWeb);
    expect(second.data).toEqual(first.data);
    expect(second.headers.get('age')).toMatch(/^\d+$/);
    // RFC 9111: Age, with max-age as stored (not shortened as well).
    expect(second.headers.get('cache-control')).toBe('max-age=60, private');
    expect(hubspot().count()).toBe(calls);

    // Another client never sees web's PRIVATE entry, and neither does an anonymous caller.
    const other = await stack.query(CUSTOMER, { id: '1010' }, { 'x-api-key': OTHER_FRONTEND_KEY });
    expect(other.headers.get('age')).toBeNull();
    const anonymous = await stack.query(CUSTOMER, { id: '1010' });
    expect(anonymous.headers.get('age')).toBeNull();
  });

  it('caches per variables and never caches errors', async () => {
    await stack.query(CUSTOMER, { id: '1011' }, asWeb);
    const different = await stack.query(CUSTOMER, { id: '1012' }, asWeb);
    expect(different.headers.get('age')).toBeNull();
    const missing = await stack.query(CUSTOMER, { id: '99999999' }, asWeb);
    expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const again = await stack.query(CUSTOMER, { id: '99999999' }, asWeb);
    expect(again.headers.get('age')).toBeNull();
    expect(again.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('purges a customer after updateCustomer, so the next read shows the new value', async () => {
    await stack.query(CUSTOMER, { id: '1020' }, asWeb);
    expect((await stack.query(CUSTOMER, { id: '1020' }, asWeb)).headers.get('age')).not.toBeNull();
    const update = await stack.query(
      'mutation { updateCustomer(id: "1020", input: { jobTitle: "Head of Cache Invalidation" }) { id jobTitle } }',
      undefined,
      asWeb,
    );
    expect(update.errors).toBeUndefined();
    const read = await stack.query<{ customer: { jobTitle: string } }>(CUSTOMER, { id: '1020' }, asWeb);
    expect(read.headers.get('age')).toBeNull();
    expect(read.data!.customer.jobTitle).toBe('Head of Cache Invalidation');
  });

  it('purges by tag through the authenticated purge endpoint, down to the entity cache', async () => {
    await stack.query(CUSTOMER, { id: '1030' }, asWeb);
    const refused = await fetch(`${stack.gatewayUrl}/internal/purge`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer wrong-token-000000000' },
      body: JSON.stringify({ tags: ['Customer:1030'] }),
    });
    expect(refused.status).toBe(401);
    const purge = await fetch(`${stack.gatewayUrl}/internal/purge`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${PURGE_TOKEN}` },
      body: JSON.stringify({ tags: ['Customer:1030'] }),
    });
    expect(await purge.json()).toEqual({ purged: 1, tags: ['Customer:1030'] });
    hubspot().clear();
    const read = await stack.query(CUSTOMER, { id: '1030' }, asWeb);
    expect(read.headers.get('age')).toBeNull();
    // The contact itself is fetched again (one object: a single read): the subgraph's entity cache heard the purge too.
    expect(hubspot().count({ path: '/crm/v3/objects/contacts/1030' })).toBe(1);
  });

  it('executes identical concurrent queries once', async () => {
    // A slow HubSpot keeps the first request in flight while the others arrive.
    stack.emulators.hubspot!.faults.set([{ route: 'GET /crm/v3/objects/contacts', latencyMs: 300 }]);
    try {
      const query = '{ customers(first: 20, after: null) { nodes { id email } } }';
      const results = await Promise.all(Array.from({ length: 6 }, () => stack.query(query)));
      for (const result of results) expect(result.data).toEqual(results[0]!.data);
      expect(results[0]!.data).toMatchObject({ customers: { nodes: expect.any(Array) } });
      expect(hubspot().count({ path: '/crm/v3/objects/contacts' })).toBe(1);
    } finally {
      stack.emulators.hubspot!.faults.clear();
    }
  });
});
