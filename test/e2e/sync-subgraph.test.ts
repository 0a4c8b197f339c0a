import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../kit/stack.js';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ EVENTS: 'true', EVENTS_RECONCILE_CRON: 'off', SYNC: 'false', AUTHORIZATION: 'filter' });
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

describe('the sync subgraph', () => {
  it('joins Customer.sync by the contact id; a customer sync never saw is null', async () => {
    const token = await stack.devToken({ sub: 'ops', scope: 'crm:read' });
    const result = await stack.query<{ customer: { id: string; sync: unknown } }>(
      'query($id: ID!) { customer(id: $id) { id sync { status lastSyncedAt drift { field system expected actual } } } }',
      { id: '1001' },
      { authorization: `Bearer ${token}` },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.customer).toEqual({ id: '1001', sync: null });
  });

  it('needs the crm:read scope', async () => {
    const token = await stack.devToken({ sub: 'ops', scope: 'billing:read' });
    const result = await stack.query<{ customer: { sync: unknown } | null }>(
      'query { customer(id: "1001") { sync { status } } }',
      {},
      { authorization: `Bearer ${token}` },
    );
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
  });
});
