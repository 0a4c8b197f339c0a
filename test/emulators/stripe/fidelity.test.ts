/**
 * Where the emulator used to be kinder than Stripe: each case asserts Stripe's documented behaviour through the
 * official SDK.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type Stripe from 'stripe';
import { DEFAULT_SEARCH_LAG_MS } from '../../../emulators/stripe/index.js';
import { NO_REDIRECTS, startStripe, thrown, type StripeTestbed } from './testkit.js';

let bed: StripeTestbed | undefined;
afterEach(async () => {
  await bed?.close();
  bed = undefined;
});

async function fresh(options: Parameters<typeof startStripe>[0] = {}): Promise<StripeTestbed> {
  bed = await startStripe({ seedData: false, ...options });
  return bed;
}

describe('validation', () => {
  it('refuses an unknown parameter with parameter_unknown naming it, on writes and on lists', async () => {
    const { stripe } = await fresh();
    const write = await thrown(() => stripe.customers.create({ email: 'a@example.com', nickname: 'x' } as Stripe.CustomerCreateParams));
    expect(write).toMatchObject({ type: 'StripeInvalidRequestError', statusCode: 400, code: 'parameter_unknown', param: 'nickname' });
    const list = await thrown(() => stripe.customers.list({ colour: 'red' } as Stripe.CustomerListParams));
    expect(list).toMatchObject({ statusCode: 400, code: 'parameter_unknown', param: 'colour' });
    const nested = await thrown(() =>
      stripe.paymentIntents.create({
        amount: 500,
        currency: 'usd',
        automatic_payment_methods: { enabled: true, extra: 'x' } as Stripe.PaymentIntentCreateParams.AutomaticPaymentMethods,
      }),
    );
    expect(nested).toMatchObject({ code: 'parameter_unknown', param: 'automatic_payment_methods[extra]' });
    // Nothing was made by the refused requests.
    expect(bed!.emulator.store.customers.size).toBe(0);
    expect(bed!.emulator.store.payment_intents.size).toBe(0);
  });

  it('refuses amounts below the currency minimum with amount_too_small', async () => {
    const { stripe } = await fresh();
    const small = await thrown(() => stripe.paymentIntents.create({ amount: 49, currency: 'usd' }));
    expect(small).toMatchObject({ statusCode: 400, code: 'amount_too_small', param: 'amount' });
    await expect(stripe.paymentIntents.create({ amount: 50, currency: 'usd' })).resolves.toMatchObject({ amount: 50 });
    expect(await thrown(() => stripe.paymentIntents.create({ amount: 29, currency: 'gbp' }))).toMatchObject({ code: 'amount_too_small' });
  });

  it('needs return_url, allow_redirects=never or payment_method_types to confirm, and echoes automatic_payment_methods', async () => {
    const { stripe } = await fresh();
    const base = { amount: 1000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true } as const;
    const refused = await thrown(() => stripe.paymentIntents.create(base));
    expect(refused).toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError', param: 'return_url' });
    expect(bed!.emulator.store.payment_intents.size).toBe(0);

    const never = await stripe.paymentIntents.create({ ...base, ...NO_REDIRECTS });
    expect(never).toMatchObject({ status: 'succeeded', automatic_payment_methods: { enabled: true, allow_redirects: 'never' } });
    // The SDK's types at the pinned API version leave payment_method_types out; the API still takes it.
    const typed = await stripe.paymentIntents.create({ ...base, payment_method_types: ['card'] } as Stripe.PaymentIntentCreateParams);
    expect(typed).toMatchObject({ status: 'succeeded', automatic_payment_methods: null, payment_method_types: ['card'] });
    const returning = await stripe.paymentIntents.create({ ...base, return_url: 'https://shop.example.test/done' });
    expect(returning).toMatchObject({ status: 'succeeded', automatic_payment_methods: { enabled: true, allow_redirects: 'always' } });

    // Confirming later follows the same rule, from what the intent was created with.
    const later = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd' });
    expect(await thrown(() => stripe.paymentIntents.confirm(later.id, { payment_method: 'pm_card_visa' }))).toMatchObject({
      param: 'return_url',
    });
    await expect(
      stripe.paymentIntents.confirm(later.id, { payment_method: 'pm_card_visa', return_url: 'https://shop.example.test/done' }),
    ).resolves.toMatchObject({ status: 'succeeded' });
  });
});

describe('idempotency', () => {
  it('does not store the key of a request refused by validation, so the corrected retry succeeds', async () => {
    const { stripe } = await fresh();
    const key = 'order-17-payment';
    const refused = await thrown(() => stripe.paymentIntents.create({ amount: 10, currency: 'usd' }, { idempotencyKey: key }));
    expect(refused).toMatchObject({ code: 'amount_too_small' });
    const corrected = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd' }, { idempotencyKey: key });
    expect(corrected).toMatchObject({ amount: 1000 });
    expect(corrected.lastResponse.headers['idempotent-replayed']).toBeUndefined();
    // Once executed, the key is bound: the same key with other parameters is an idempotency error.
    const reused = await thrown(() => stripe.paymentIntents.create({ amount: 2000, currency: 'usd' }, { idempotencyKey: key }));
    expect(reused).toMatchObject({ type: 'StripeIdempotencyError', statusCode: 400 });
  });

  it('stores the key of a request that executed and then failed (a decline), replaying it', async () => {
    const { stripe } = await fresh();
    const params = { amount: 1000, currency: 'usd', payment_method: 'pm_card_chargeDeclined', confirm: true, ...NO_REDIRECTS };
    const first = await thrown(() => stripe.paymentIntents.create(params, { idempotencyKey: 'declined-once' }));
    const again = await thrown(() => stripe.paymentIntents.create(params, { idempotencyKey: 'declined-once' }));
    expect(first).toMatchObject({ type: 'StripeCardError' });
    expect(again.headers?.['idempotent-replayed']).toBe('true');
    expect(bed!.emulator.store.payment_intents.size).toBe(1);
  });
});

describe('rate limits (the default, not switched off)', () => {
  const limited = (apiKeys: string[]) => fresh({ apiKeys, rateLimitPerSecond: undefined, searchRateLimitPerSecond: undefined });

  it('gives test-mode keys 25 requests a second and live keys 100', async () => {
    const testbed = await limited(['sk_test_fidelity', 'sk_live_fidelity']);
    const test = testbed.client({ apiKey: 'sk_test_fidelity' });
    const live = testbed.client({ apiKey: 'sk_live_fidelity' });
    for (let i = 0; i < 25; i++) await test.customers.list();
    expect(await thrown(() => test.customers.list())).toMatchObject({ type: 'StripeRateLimitError', statusCode: 429, code: 'rate_limit' });
    for (let i = 0; i < 100; i++) await live.customers.list();
    expect(await thrown(() => live.customers.list())).toMatchObject({ statusCode: 429 });
    testbed.advance(1000);
    await expect(test.customers.list()).resolves.toMatchObject({ object: 'list' });
  });

  it('limits search to 20 requests a second on top of the global limit', async () => {
    const testbed = await limited(['sk_live_fidelity']);
    const live = testbed.client({ apiKey: 'sk_live_fidelity' });
    for (let i = 0; i < 20; i++) await live.customers.search({ query: 'email:"a@example.com"' });
    expect(await thrown(() => live.customers.search({ query: 'email:"a@example.com"' }))).toMatchObject({ statusCode: 429 });
    // Other endpoints still have room in the global window.
    await expect(live.customers.list()).resolves.toMatchObject({ object: 'list' });
  });
});

describe('invoice items', () => {
  it('adds an item to a draft invoice, or leaves it pending', async () => {
    const { stripe } = await fresh();
    const customer = await stripe.customers.create({ email: 'items@example.com' });
    const invoice = await stripe.invoices.create({ customer: customer.id, currency: 'usd' });
    const item = await stripe.invoiceItems.create({
      customer: customer.id,
      amount: 1250,
      currency: 'usd',
      invoice: invoice.id,
      description: 'Setup fee',
    });
    expect(item).toMatchObject({ id: expect.stringMatching(/^ii_/), object: 'invoiceitem', amount: 1250, invoice: invoice.id });
    const lines = await stripe.invoices.listLineItems(invoice.id);
    expect(lines.data).toHaveLength(1);
    expect(lines.data[0]).toMatchObject({
      amount: 1250,
      description: 'Setup fee',
      parent: { invoice_item_details: { invoice_item: item.id } },
    });
    expect((await stripe.invoices.retrieve(invoice.id)).total).toBe(1250);

    const pending = await stripe.invoiceItems.create({ customer: customer.id, amount: 300, currency: 'usd' });
    expect(pending.invoice).toBeNull();
    expect((await stripe.invoiceItems.list({ customer: customer.id, pending: true })).data.map((i) => i.id)).toEqual([pending.id]);
    await stripe.invoices.finalizeInvoice(invoice.id);
    expect(
      await thrown(() => stripe.invoiceItems.create({ customer: customer.id, amount: 1, currency: 'usd', invoice: invoice.id })),
    ).toMatchObject({ code: 'invoice_not_editable' });
  });
});

describe('search is eventually consistent (the default lag)', () => {
  it('finds a new customer by search only after the lag, while retrieve and list see it at once', async () => {
    const testbed = await fresh();
    const { stripe } = testbed;
    const created = await stripe.customers.create({ email: 'lagging@example.com' });
    expect((await stripe.customers.search({ query: 'email:"lagging@example.com"' })).data).toEqual([]);
    expect((await stripe.customers.retrieve(created.id)).id).toBe(created.id);
    expect((await stripe.customers.list({ email: 'lagging@example.com' })).data.map((c) => c.id)).toEqual([created.id]);
    testbed.advance(DEFAULT_SEARCH_LAG_MS);
    expect((await stripe.customers.search({ query: 'email:"lagging@example.com"' })).data.map((c) => c.id)).toEqual([created.id]);
  });

  it('is instant only when a test asks for it', async () => {
    const { stripe } = await fresh({ searchLagMs: 0 });
    const created = await stripe.customers.create({ email: 'instant@example.com' });
    expect((await stripe.customers.search({ query: 'email:"instant@example.com"' })).data.map((c) => c.id)).toEqual([created.id]);
  });
});
