/**
 * The chaos tests that are not one cell of the matrix: a 429 storm against Interchange's own quota, writes
 * under 503s (repeated only with an idempotency key), the request deadline alone cutting a call, and
 * /health/upstreams with a subgraph that does not answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHAOS_ENV, DEADLINE_MS, chaosVariables } from '../../bench/chaos/matrix.js';
import { collectUpstreams } from '../../gateway/upstreams.js';
import { MARGIN_MS } from '../kit/chaos.js';
import { startTestStack, type TestStack } from '../kit/stack.js';

/** Interchange's own Stripe quota in this stack, requests a second: well under what the emulator allows. */
const STRIPE_QUOTA = 5;

let stack: TestStack;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  stack = await startTestStack({
    ...CHAOS_ENV,
    // The emulators' limits and Interchange's quotas on (the matrix lifts both); Mixpanel's hourly export
    // limit off, it is not what these tests are about.
    EMULATOR_RATE_LIMITS: 'true',
    MIXPANEL_EMULATOR_EXPORT_PER_HOUR: '0',
    STRIPE_QUOTA_PER_SECOND: String(STRIPE_QUOTA),
    // Only the request deadline may cut an ERP call here: one attempt, a timeout far past the deadline.
    ERP_TIMEOUT_MS: '20000',
    ERP_RETRY_ATTEMPTS: '1',
  });
});
afterAll(async () => {
  await stack?.close();
  process.off('unhandledRejection', onUnhandled);
});

const BILLING = 'query($email: EmailAddress!) { customerByEmail(email: $email) { email lastName billing { id } } }';

/** Requests the vendor received per whole second of a span, by the emulator's arrival stamps. */
function perSecond(times: readonly number[], from: number, to: number): number[] {
  const counts: number[] = [];
  for (let start = from; start + 1000 <= to; start += 1000) counts.push(times.filter((at) => at >= start && at < start + 1000).length);
  return counts;
}

describe('a 429 storm', () => {
  it('keeps the request rate to Stripe at the quota during the storm and recovers after it', async () => {
    const stripe = stack.emulators.stripe!;
    const email = chaosVariables().a!;
    const stormStart = Date.now();
    stripe.faults.set([{ status: 429 }]);
    // Eight callers in a loop for 2.5 s: without the quota, every 429 would be retried by every caller.
    const loop = async (until: number) => {
      const results = [];
      while (Date.now() < until)
        results.push(await stack.query<{ customerByEmail: { lastName: string; billing: unknown } }>(BILLING, { email }));
      return results;
    };
    const storm = (await Promise.all(Array.from({ length: 8 }, () => loop(stormStart + 2500)))).flat();
    const stormEnd = Date.now();
    stripe.faults.clear();
    const after = (await Promise.all(Array.from({ length: 8 }, () => loop(stormEnd + 2000)))).flat();
    const end = Date.now();

    const times = stripe.requests.list({ path: /^\/v1\/customers/ }).map((request) => request.at);
    const during = times.filter((at) => at >= stormStart && at < stormEnd);
    // A fixed quota window may hand out one window's slots at its end and the next's at the next start, so
    // the honest bound over a span is quota x (seconds + 1).
    expect(during.length).toBeLessThanOrEqual(STRIPE_QUOTA * (Math.ceil((stormEnd - stormStart) / 1000) + 1));
    for (const count of perSecond(times, stormStart, end)) expect(count).toBeLessThanOrEqual(2 * STRIPE_QUOTA);
    for (const result of storm) {
      expect(result.data?.customerByEmail?.lastName).toBeTruthy();
      for (const error of result.errors ?? [])
        expect(error.extensions).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', upstream: 'stripe' });
      for (const error of result.errors ?? []) expect(error.extensions!.retryAfter).toBeGreaterThanOrEqual(1);
    }
    expect(storm.some((result) => result.errors?.length)).toBe(true);
    // Recovered: billing comes back (within the quota; callers over it hear UPSTREAM_RATE_LIMITED, not 429s).
    expect(after.filter((result) => result.data?.customerByEmail?.billing).length).toBeGreaterThan(0);
    expect(
      stripe.requests.list({ path: /^\/v1\/customers/ }).filter((request) => request.at >= stormEnd && request.status === 200).length,
    ).toBeGreaterThan(0);
    expect(
      stripe.requests.list({ path: /^\/v1\/customers/ }).filter((request) => request.at >= stormEnd + 100 && request.status === 429),
    ).toEqual([]);
  });
});

describe('writes under 503s', () => {
  it('sends a HubSpot create (no idempotency key) exactly once', async () => {
    const hubspot = stack.emulators.hubspot!;
    hubspot.faults.set([{ route: 'POST /crm/v3/objects/contacts', status: 503 }]);
    const before = hubspot.requests.count({ method: 'POST', path: '/crm/v3/objects/contacts' });
    const result = await stack.query('mutation { createCustomer(input: { email: "storm.once@example.com" }) { id } }');
    hubspot.faults.clear();
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstream: 'hubspot' });
    expect(hubspot.requests.count({ method: 'POST', path: '/crm/v3/objects/contacts' }) - before).toBe(1);
  });

  it('repeats a Stripe write under its one idempotency key, and the write is applied once', async () => {
    const stripe = stack.emulators.stripe!;
    const path = '/v1/payment_intents';
    const before = stripe.requests.count({ method: 'POST', path });
    const intentsBefore = stripe.store.payment_intents.all().length;
    // The first two attempts fail; the third, under the same key, succeeds.
    stripe.faults.set([{ route: `POST ${path}`, status: 503, times: 2 }]);
    const result = await stack.query<{ createPaymentIntent: { paymentIntent: { id: string }; idempotencyKey: string } }>(
      'mutation { createPaymentIntent(input: { amount: 1234, currency: "EUR", idempotencyKey: "storm-write-1" }) { paymentIntent { id } idempotencyKey } }',
    );
    stripe.faults.clear();
    expect(result.errors).toBeUndefined();
    expect(stripe.requests.count({ method: 'POST', path }) - before).toBe(3);
    expect(stripe.store.payment_intents.all().length - intentsBefore).toBe(1);
  });

  it('sends an ERP order Create (not idempotent) exactly once', async () => {
    const erp = stack.emulators['erp-soap']!;
    const customer = erp.snapshot('Customer')[0]!;
    const salesOrder = erp.pagePath('SalesOrder');
    // createOrder first reads SalesOrder for an order with the same external number, then Creates: the first
    // rule lets that read through (once), the second answers the Create with 503.
    erp.faults.set([
      { route: `POST ${salesOrder}`, latencyMs: 0, times: 1 },
      { route: `POST ${salesOrder}`, status: 503 },
    ]);
    const before = erp.requests.count({ method: 'POST', path: salesOrder });
    const result = await stack.query('mutation($input: CreateOrderInput!) { createOrder(input: $input) { order { number } } }', {
      input: { customerNumber: customer.No, externalDocumentNumber: 'STORM-1', lines: [{ productNumber: '1000', quantity: 1 }] },
    });
    erp.faults.clear();
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstream: 'erp' });
    // The read, then one Create: a 503 on a write without an idempotency key is never repeated.
    expect(
      erp.requests
        .list({ method: 'POST', path: salesOrder })
        .slice(before)
        .map((request) => request.status),
    ).toEqual([200, 503]);
    expect(erp.snapshot('SalesOrder').filter((order) => String(order.External_Document_No).toUpperCase() === 'STORM-1')).toEqual([]);
  });
});

describe('the request deadline', () => {
  it('cuts a hanging ERP call at the deadline even when its own timeout is far longer', async () => {
    const erp = stack.emulators['erp-soap']!;
    erp.faults.set([{ hang: true }]);
    const started = Date.now();
    const result = await stack.query<{ product: unknown }>('{ product(number: "1000") { number } }');
    const took = Date.now() - started;
    erp.faults.clear();
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_TIMEOUT', upstream: 'erp' });
    expect(took).toBeGreaterThanOrEqual(DEADLINE_MS - 200);
    expect(took).toBeLessThan(DEADLINE_MS + MARGIN_MS);
  });
});

describe('GET /health/upstreams', () => {
  it('shows every vendor behind the gateway: breaker, recent latency and errors, quota left', async () => {
    const response = await fetch(`${stack.gatewayUrl}/health/upstreams`);
    expect(response.status).toBe(200);
    const report = (await response.json()) as {
      status: string;
      subgraphs: Array<{ subgraph: string; reachable: boolean; upstreams: Array<Record<string, unknown>> }>;
    };
    const bySubgraph = [...report.subgraphs].sort((x, y) => x.subgraph.localeCompare(y.subgraph));
    expect(bySubgraph.map((entry) => [entry.subgraph, entry.reachable, entry.upstreams.map((state) => state.upstream)])).toEqual([
      ['analytics', true, ['mixpanel']],
      ['crm', true, ['hubspot']],
      // The CRM's relations ask HubSpot through crm's client (one breaker, one quota), which crm reports.
      ['crm-relations', true, []],
      ['erp', true, ['erp']],
      ['payments', true, ['stripe']],
      // The sync subgraph reaches the vendors only through the gateway; its one upstream is the database.
      ['sync', true, ['database']],
    ]);
    const stripe = bySubgraph.find((entry) => entry.subgraph === 'payments')!.upstreams[0]!;
    expect(stripe).toMatchObject({ breaker: expect.any(String), inFlight: expect.any(Number), recent: { attempts: expect.any(Number) } });
    expect(stripe.quota).toMatchObject({ default: { remaining: expect.any(Number) } });
  });

  it('shows a subgraph that does not answer as unreachable, and the report as degraded', async () => {
    const report = await collectUpstreams(
      [
        { name: 'crm', url: stack.subgraphUrls.crm! },
        { name: 'gone', url: 'http://127.0.0.1:9/graphql' },
      ],
      { timeoutMs: 500 },
    );
    expect(report.status).toBe('degraded');
    expect(report.subgraphs[0]).toMatchObject({ subgraph: 'crm', reachable: true });
    expect(report.subgraphs[1]).toMatchObject({ subgraph: 'gone', reachable: false, error: expect.any(String) });
  });
});

describe('the whole storm file', () => {
  it('had no unhandled rejection', () => {
    expect(unhandled).toEqual([]);
  });
});
