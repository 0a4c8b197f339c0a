import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedPeople } from '../../emulators/shared/people.js';
import { contactIdOf } from '../../emulators/hubspot/seed.js';
import { hashApiKey } from '../../gateway/clients.js';
import { startTestStack, type TestStack } from '../kit/stack.js';

const KEY = 'fe-fast-path-key-0123456789';
const asWeb = { 'content-type': 'application/json', 'x-api-key': KEY };

let stack: TestStack;
beforeAll(async () => {
  const registry = join(mkdtempSync(join(tmpdir(), 'interchange-')), 'clients.json');
  writeFileSync(
    registry,
    JSON.stringify({ clients: [{ name: 'web', kind: 'frontend', keySha256: hashApiKey(KEY), rateLimitPerMinute: 100_000 }] }),
  );
  stack = await startTestStack({ CLIENT_REGISTRY: registry });
});
afterAll(() => stack.close());

/** The raw answer: status, headers and the body exactly as sent. */
async function post(body: unknown, headers: Record<string, string> = asWeb) {
  const response = await fetch(`${stack.gatewayUrl}/graphql`, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

const CUSTOMER = 'query Customer($id: ID!) { customer(id: $id) { id jobTitle company { name } } }';

describe('response cache fast path', () => {
  it('answers a hit with the bytes of the first answer, max-age as stored and Age', async () => {
    const miss = await post({ query: CUSTOMER, operationName: 'Customer', variables: { id: '1040' } });
    expect(miss.status).toBe(200);
    expect(miss.headers.get('age')).toBeNull();
    const hit = await post({ query: CUSTOMER, operationName: 'Customer', variables: { id: '1040' } });
    expect(hit.status).toBe(200);
    expect(hit.text).toBe(miss.text);
    expect(hit.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(hit.headers.get('cache-control')).toBe('max-age=60, private');
    expect(hit.headers.get('age')).toMatch(/^\d+$/);
    // The caller's own steps still ran: request id and rate-limit headers are on the hit.
    expect(hit.headers.get('x-request-id')).toBeTruthy();
    expect(hit.headers.get('ratelimit-remaining')).toMatch(/^\d+$/);
  });

  it('keys variables canonically and never serves another caller scope', async () => {
    const query = 'query Two($id: ID!, $first: Int) { customer(id: $id) { id } customers(first: $first) { nodes { id } } }';
    await post({ query, variables: { id: '1041', first: 2 } });
    const reordered = await post({ query, variables: { first: 2, id: '1041' } });
    expect(reordered.headers.get('age')).not.toBeNull();
    const anonymous = await post({ query, variables: { id: '1041', first: 2 } }, { 'content-type': 'application/json' });
    expect(anonymous.headers.get('age')).toBeNull();
  });

  it("gives deduplicated followers the leader's bytes", async () => {
    stack.emulators.hubspot!.faults.set([{ route: 'GET /crm/v3/objects/contacts', latencyMs: 200 }]);
    try {
      const answers = await Promise.all(Array.from({ length: 5 }, () => post({ query: '{ customers(first: 7) { nodes { id email } } }' })));
      for (const answer of answers) expect(answer.text).toBe(answers[0]!.text);
      expect(JSON.parse(answers[0]!.text)).toMatchObject({ data: { customers: { nodes: expect.any(Array) } } });
    } finally {
      stack.emulators.hubspot!.faults.clear();
    }
  });

  it('does not store an answer whose entity was purged while it was being computed (100 races)', async () => {
    // HubSpot answers at once, Stripe slowly: the contact is read, then updated and purged, then the answer completes.
    // A different customer each round (none that other tests read), so no round starts from a cached answer.
    const ids = seedPeople()
      .filter((each) => each.inStripe)
      .slice(-100)
      .map(contactIdOf);
    expect(ids).toHaveLength(100);
    const query = 'query Race($id: ID!) { customer(id: $id) { id jobTitle billing { balance { formatted } } } }';
    const read = (id: string) => post({ query, variables: { id } });
    const hubspot = stack.emulators.hubspot!.requests;
    stack.emulators.stripe!.faults.set([{ route: 're:^GET /v1/', latencyMs: 60 }]);
    try {
      for (const [round, id] of ids.entries()) {
        const title = `Race ${round}`;
        hubspot.clear();
        const racing = read(id);
        // Wait until the contact has been read (the old title is in the answer being computed).
        const until = Date.now() + 5000;
        while (hubspot.count({ method: 'GET', path: `/crm/v3/objects/contacts/${id}` }) === 0) {
          expect(Date.now()).toBeLessThan(until);
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
        const update = await post({ query: `mutation { updateCustomer(id: "${id}", input: { jobTitle: "${title}" }) { id jobTitle } }` });
        expect(JSON.parse(update.text).errors).toBeUndefined();
        const raced = await racing;
        expect(JSON.parse(raced.text).errors).toBeUndefined();
        const next = await read(id);
        expect({ round, age: next.headers.get('age'), title: JSON.parse(next.text).data.customer.jobTitle }).toEqual({
          round,
          age: null,
          title,
        });
      }
    } finally {
      stack.emulators.stripe!.faults.clear();
    }
  }, 120_000);
});
