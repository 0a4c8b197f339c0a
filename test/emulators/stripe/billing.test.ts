import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Stripe from 'stripe';
import { startStripe, thrown, type StripeTestbed } from './testkit.js';

let bed: StripeTestbed;
let stripe: Stripe;
beforeAll(async () => {
  bed = await startStripe();
  stripe = bed.stripe;
});
afterAll(() => bed.close());

describe('subscriptions', () => {
  const subscribe = async () => {
    const customer = await stripe.customers.create({
      email: 'sub@example.com',
      payment_method: 'pm_card_visa',
      invoice_settings: { default_payment_method: 'pm_card_visa' },
    });
    const price = bed.emulator.store.prices.all().find((p) => p.currency === 'usd' && p.recurring?.interval === 'month')!;
    return stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id, quantity: 2 }] });
  };

  it('creating bills the first period and current_period_* sit on the items', async () => {
    const subscription = await subscribe();
    const item = subscription.items.data[0]!;
    expect(subscription).toMatchObject({ status: 'active', currency: 'usd' });
    expect(item.current_period_end).toBeGreaterThan(item.current_period_start);
    const invoice = await stripe.invoices.retrieve(subscription.latest_invoice as string);
    expect(invoice).toMatchObject({
      status: 'paid',
      total: item.price.unit_amount! * 2,
      parent: { type: 'subscription_details', subscription_details: { subscription: subscription.id } },
    });
    expect(invoice).not.toHaveProperty('subscription');
    expect(invoice).not.toHaveProperty('charge');
  });

  it('pauses collection by update, pauses and resumes, and cancels with DELETE', async () => {
    const subscription = await subscribe();
    const collectionPaused = await stripe.subscriptions.update(subscription.id, { pause_collection: { behavior: 'keep_as_draft' } });
    expect(collectionPaused).toMatchObject({ status: 'active', pause_collection: { behavior: 'keep_as_draft' } });

    const notPaused = await thrown(() => stripe.subscriptions.resume(subscription.id));
    expect(notPaused).toMatchObject({ statusCode: 400 });
    const paused = await stripe.subscriptions.pause(subscription.id);
    expect(paused.status).toBe('paused');
    bed.advance(3600_000);
    const resumed = await stripe.subscriptions.resume(subscription.id);
    expect(resumed).toMatchObject({ status: 'active', pause_collection: null });

    const canceled = await stripe.subscriptions.cancel(subscription.id);
    expect(canceled).toMatchObject({ status: 'canceled', cancellation_details: { reason: 'cancellation_requested' } });
    expect(bed.emulator.requests.count({ method: 'DELETE', path: `/v1/subscriptions/${subscription.id}` })).toBe(1);
    const listed = await stripe.subscriptions.list({ customer: subscription.customer as string });
    expect(listed.data).toEqual([]);
    const all = await stripe.subscriptions.list({ customer: subscription.customer as string, status: 'all' });
    expect(all.data.map((s) => s.id)).toEqual([subscription.id]);

    const events = await stripe.events.list({ type: 'customer.subscription.*', limit: 100 });
    const mine = events.data.filter((e) => (e.data.object as Stripe.Subscription).id === subscription.id);
    expect(mine.map((e) => e.type).reverse()).toEqual([
      'customer.subscription.created',
      'customer.subscription.updated',
      'customer.subscription.paused',
      'customer.subscription.resumed',
      'customer.subscription.deleted',
    ]);
    expect(mine.find((e) => e.type === 'customer.subscription.updated')!.data.previous_attributes).toEqual({ pause_collection: null });
  });
});

describe('invoices', () => {
  it('finalize then pay records events with previous_attributes', async () => {
    const customer = await stripe.customers.create({
      email: 'inv@example.com',
      invoice_settings: { default_payment_method: 'pm_card_visa' },
    });
    const draft = await stripe.invoices.create({ customer: customer.id, metadata: { po: '77' } });
    await stripe.invoices.addLines(draft.id, { lines: [{ amount: 1234, description: 'Widgets' } as Stripe.InvoiceAddLinesParams.Line] });
    const lines = await stripe.invoices.listLineItems(draft.id);
    expect(lines.data.map((l) => [l.amount, l.description])).toEqual([[1234, 'Widgets']]);

    const finalized = await stripe.invoices.finalizeInvoice(draft.id);
    expect(finalized).toMatchObject({ status: 'open', amount_due: 1234, number: expect.stringMatching(/-0001$/) });
    const paid = await stripe.invoices.pay(draft.id, {}, { idempotencyKey: 'pay-once' });
    expect(paid).toMatchObject({ status: 'paid', amount_paid: 1234, amount_remaining: 0, attempt_count: 1 });
    const voided = await thrown(() => stripe.invoices.voidInvoice(draft.id));
    expect(voided).toMatchObject({ statusCode: 400, code: 'invoice_not_open' });

    const events = (await stripe.events.list({ type: 'invoice.*', limit: 100 })).data
      .filter((e) => (e.data.object as Stripe.Invoice).id === draft.id)
      .reverse();
    expect(events.map((e) => e.type)).toEqual([
      'invoice.created',
      'invoice.updated',
      'invoice.finalized',
      'invoice.updated',
      'invoice.paid',
      'invoice.updated',
      'invoice.payment_succeeded',
    ]);
    const [, , , afterFinalize, , afterPay] = events;
    expect(afterFinalize!.data.previous_attributes).toMatchObject({ status: 'draft', number: null });
    expect(afterPay!.data.previous_attributes).toMatchObject({ status: 'open', amount_paid: 0, amount_remaining: 1234 });
    expect(afterPay).toMatchObject({
      object: 'event',
      livemode: false,
      pending_webhooks: 0,
      api_version: '2026-10-28.endive',
      request: { idempotency_key: 'pay-once' },
    });
    expect(JSON.parse(JSON.stringify(await stripe.events.retrieve(afterPay!.id)))).toEqual(afterPay);
  });

  it('voids an open seeded invoice', async () => {
    const open = (await stripe.invoices.list({ status: 'open', limit: 1 })).data[0]!;
    const voided = await stripe.invoices.voidInvoice(open.id);
    expect(voided).toMatchObject({ id: open.id, status: 'void' });
    const search = await stripe.invoices.search({ query: `customer:"${open.customer as string}" AND status:"void"` });
    expect(search.data.map((i) => i.id)).toContain(open.id);
  });
});
