/**
 * onboardCustomer on the embedded database (PGlite, as `npm start` runs with no DATABASE_URL): the same saga
 * through the gateway, its state in PGlite. The full behaviour is test/e2e/sagas.test.ts (on PostgreSQL).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../kit/stack.js';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ EVENTS: 'true', EVENTS_RECONCILE_CRON: 'off', AUTHORIZATION: 'filter', DATABASE_URL: '' });
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

it('onboards a customer with the saga state in PGlite, and answers the same key from it', async () => {
  expect(stack.events!.db.kind).toBe('pglite');
  const token = await stack.devToken({ sub: 'ops', scope: 'crm:read customers:write billing:write' });
  const query = `mutation($input: OnboardCustomerInput!, $key: String!) {
    onboardCustomer(input: $input, idempotencyKey: $key) { customer { id } stripeCustomerId erpCustomerNumber replayed saga { id status } }
  }`;
  const variables = { input: { email: `pglite-${randomUUID().slice(0, 8)}@example.com`, lastName: 'Embedded' }, key: randomUUID() };
  const first = await stack.query<{ onboardCustomer: { saga: { id: string; status: string }; replayed: boolean } }>(query, variables, {
    authorization: `Bearer ${token}`,
  });
  expect(first.errors).toBeUndefined();
  expect(first.data!.onboardCustomer).toMatchObject({ saga: { status: 'COMPLETED' }, replayed: false });
  const { rows } = await stack.events!.db.query<{ status: string; steps: number }>(
    `SELECT s.status, (SELECT count(*)::int FROM saga_steps WHERE saga_id = s.id AND status = 'done') AS steps FROM sagas s WHERE id = $1`,
    [first.data!.onboardCustomer.saga.id],
  );
  expect(rows).toEqual([{ status: 'completed', steps: 4 }]);
  const again = await stack.query<{ onboardCustomer: { replayed: boolean } }>(query, variables, { authorization: `Bearer ${token}` });
  expect(again.data!.onboardCustomer.replayed).toBe(true);
});
