import { afterEach, describe, expect, it } from 'vitest';
import { createStripeEmulator } from '../../../emulators/stripe/index.js';
import { startStripe, thrown, type StripeTestbed } from './testkit.js';

let bed: StripeTestbed | undefined;
afterEach(async () => {
  await bed?.close();
  bed = undefined;
});

describe('the wire', () => {
  it('rejects a wrong API key with a 401 in Stripe words', async () => {
    bed = await startStripe({ seedData: false });
    const error = await thrown(() => bed!.client({ apiKey: 'sk_test_wrongkey1234' }).customers.list());
    expect(error).toMatchObject({
      type: 'StripeAuthenticationError',
      statusCode: 401,
      message: 'Invalid API Key provided: sk_test_********1234',
    });
    const missing = await fetch(`${bed.emulator.url}/v1/customers`);
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toContain('did not provide an API key');
  });

  it('answers unknown routes with a JSON 404 carrying Request-Id and the echoed Stripe-Version', async () => {
    bed = await startStripe({ seedData: false });
    const response = await fetch(`${bed.emulator.url}/v1/nothing`, {
      headers: { authorization: 'Bearer sk_test_emulator', 'stripe-version': '2026-10-28.endive' },
    });
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('request-id')).toMatch(/^req_[0-9A-Za-z]{14}$/);
    expect(response.headers.get('stripe-version')).toBe('2026-10-28.endive');
    expect(await response.json()).toEqual({
      error: { type: 'invalid_request_error', message: 'Unrecognized request URL (GET: /v1/nothing).' },
    });
  });

  it('answers past the per-second limit with a 429 the SDK does not retry', async () => {
    bed = await startStripe({ seedData: false, rateLimitPerSecond: 3 });
    const patient = bed.client({ maxNetworkRetries: 2 });
    for (let i = 0; i < 3; i++) await patient.customers.list();
    const error = await thrown(() => patient.customers.list());
    expect(error).toMatchObject({ type: 'StripeRateLimitError', statusCode: 429, code: 'rate_limit' });
    expect(error.headers?.['stripe-should-retry']).toBeUndefined();
    expect(bed.emulator.requests.list().map((r) => r.status)).toEqual([200, 200, 200, 429]);
    bed.advance(1000);
    await expect(patient.customers.list()).resolves.toMatchObject({ object: 'list' });
  });

  it('keeps each emulator independent and ids deterministic per seed', async () => {
    const a = createStripeEmulator({ seed: 7 });
    const b = createStripeEmulator({ seed: 7 });
    const c = createStripeEmulator({ seed: 8 });
    const ids = (e: typeof a) => e.store.customers.all().map((x) => [x.id, x.email, x.created]);
    expect(ids(a)).toEqual(ids(b));
    expect(ids(a)).not.toEqual(ids(c));
    expect(a.seeded).toEqual(b.seeded);
    expect(a.store.invoices.all().map((i) => [i.id, i.status, i.total])).toEqual(
      b.store.invoices.all().map((i) => [i.id, i.status, i.total]),
    );
    expect(a.store.customers.all()[0]!.id).toMatch(/^cus_[0-9A-Za-z]{14}$/);
  });

  it('tells listeners about every event and scopes idempotency keys per API key', async () => {
    bed = await startStripe({ seedData: false, apiKeys: ['sk_test_one', 'sk_test_two'] });
    const seen: string[] = [];
    const stop = bed.emulator.onEvent((event) => seen.push(event.type));
    const one = await bed.client({ apiKey: 'sk_test_one' }).customers.create({ email: 'a@x.io' }, { idempotencyKey: 'k' });
    const two = await bed.client({ apiKey: 'sk_test_two' }).customers.create({ email: 'a@x.io' }, { idempotencyKey: 'k' });
    expect(two.id).not.toBe(one.id);
    stop();
    await bed.client({ apiKey: 'sk_test_one' }).customers.update(one.id, { metadata: { tier: 'gold' } });
    expect(seen).toEqual(['customer.created', 'customer.created']);
    const events = await bed.client({ apiKey: 'sk_test_one' }).events.list({ type: 'customer.updated' });
    expect(events.data[0]!.data.previous_attributes).toEqual({ metadata: { tier: '' } });
  });
});
