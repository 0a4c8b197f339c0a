import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Stripe from 'stripe';
import { NO_REDIRECTS, startStripe, thrown, type StripeTestbed } from './testkit.js';

let bed: StripeTestbed;
let stripe: Stripe;
let customer: string;
beforeAll(async () => {
  bed = await startStripe({ seedData: true });
  stripe = bed.stripe;
  customer = (await stripe.customers.create({ email: 'pay@example.com', name: 'Pay Er' })).id;
});
afterAll(() => bed.close());

describe('payment intents', () => {
  it('create then confirm with pm_card_visa succeeds and records a succeeded charge', async () => {
    const created = await stripe.paymentIntents.create({
      ...NO_REDIRECTS,
      amount: 2500,
      currency: 'eur',
      customer,
      metadata: { order: 'A-1' },
    });
    expect(created).toMatchObject({
      status: 'requires_payment_method',
      amount: 2500,
      currency: 'eur',
      customer,
      latest_charge: null,
      metadata: { order: 'A-1' },
    });
    const confirmed = await stripe.paymentIntents.confirm(created.id, { payment_method: 'pm_card_visa' });
    expect(confirmed).toMatchObject({ id: created.id, status: 'succeeded', amount_received: 2500 });
    const charge = await stripe.charges.retrieve(confirmed.latest_charge as string);
    expect(charge).toMatchObject({
      object: 'charge',
      status: 'succeeded',
      paid: true,
      captured: true,
      amount: 2500,
      amount_captured: 2500,
      customer,
      payment_intent: created.id,
      payment_method: confirmed.payment_method,
      payment_method_details: { type: 'card', card: { brand: 'visa', last4: '4242' } },
    });
    const again = await thrown(() => stripe.paymentIntents.cancel(created.id));
    expect(again).toMatchObject({ type: 'StripeInvalidRequestError', statusCode: 400, code: 'payment_intent_unexpected_state' });
  });

  it('capture_method manual waits in requires_capture until captured, in part', async () => {
    const intent = await stripe.paymentIntents.create({
      ...NO_REDIRECTS,
      amount: 5000,
      currency: 'usd',
      customer,
      payment_method: 'pm_card_visa',
      capture_method: 'manual',
      confirm: true,
    });
    expect(intent).toMatchObject({ status: 'requires_capture', amount_capturable: 5000, amount_received: 0 });
    const captured = await stripe.paymentIntents.capture(intent.id, { amount_to_capture: 3000 });
    expect(captured).toMatchObject({ status: 'succeeded', amount_capturable: 0, amount_received: 3000 });
    const charge = await stripe.charges.retrieve(captured.latest_charge as string);
    expect(charge).toMatchObject({ captured: true, amount_captured: 3000 });
    const twice = await thrown(() => stripe.paymentIntents.capture(intent.id));
    expect(twice).toMatchObject({ statusCode: 400, code: 'payment_intent_unexpected_state' });
  });

  it.each([
    ['pm_card_chargeDeclined', 'card_declined', 'generic_decline'],
    ['pm_card_chargeDeclinedInsufficientFunds', 'card_declined', 'insufficient_funds'],
    ['pm_card_chargeDeclinedExpiredCard', 'expired_card', 'expired_card'],
    ['pm_card_chargeDeclinedProcessingError', 'processing_error', 'processing_error'],
  ])('%s declines with code %s / %s and leaves the intent requires_payment_method', async (method, code, decline) => {
    const intent = await stripe.paymentIntents.create({ ...NO_REDIRECTS, amount: 1200, currency: 'usd', customer });
    const error = await thrown(() => stripe.paymentIntents.confirm(intent.id, { payment_method: method }));
    expect(error).toMatchObject({ type: 'StripeCardError', statusCode: 402, code, decline_code: decline });
    const raw = error.raw as { payment_intent: Stripe.PaymentIntent; charge: string };
    expect(raw.payment_intent).toMatchObject({ id: intent.id, status: 'requires_payment_method' });
    const after = await stripe.paymentIntents.retrieve(intent.id);
    expect(after).toMatchObject({
      status: 'requires_payment_method',
      payment_method: null,
      last_payment_error: { type: 'card_error', code, decline_code: decline, charge: raw.charge },
    });
    expect(await stripe.charges.retrieve(raw.charge)).toMatchObject({
      status: 'failed',
      paid: false,
      failure_code: code,
      payment_intent: intent.id,
    });
  });

  it('a raw declining test card number declines the same way', async () => {
    const error = await thrown(() =>
      stripe.paymentIntents.create({
        ...NO_REDIRECTS,
        amount: 900,
        currency: 'usd',
        confirm: true,
        payment_method_data: {
          type: 'card',
          card: { number: '4000000000009995' },
        } as unknown as Stripe.PaymentIntentCreateParams.PaymentMethodData,
      }),
    );
    expect(error).toMatchObject({ type: 'StripeCardError', code: 'card_declined', decline_code: 'insufficient_funds' });
  });
});

describe('refunds', () => {
  const pay = async (amount: number) =>
    stripe.paymentIntents.create({ ...NO_REDIRECTS, amount, currency: 'usd', customer, payment_method: 'pm_card_visa', confirm: true });

  it('a retried refund with the same Idempotency-Key refunds once and replays the first body', async () => {
    const intent = await pay(4000);
    const first = await stripe.refunds.create({ payment_intent: intent.id, amount: 1500 }, { idempotencyKey: 'refund-1' });
    const replay = await stripe.refunds.create({ payment_intent: intent.id, amount: 1500 }, { idempotencyKey: 'refund-1' });
    expect(replay).toEqual(first);
    expect(replay.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(first.lastResponse.headers['idempotent-replayed']).toBeUndefined();
    const refunds = await stripe.refunds.list({ payment_intent: intent.id });
    expect(refunds.data.map((r) => [r.id, r.amount, r.status])).toEqual([[first.id, 1500, 'succeeded']]);
    expect(await stripe.charges.retrieve(first.charge as string)).toMatchObject({ amount_refunded: 1500, refunded: false });

    const other = await thrown(() => stripe.refunds.create({ payment_intent: intent.id, amount: 100 }, { idempotencyKey: 'refund-1' }));
    expect(other).toMatchObject({ type: 'StripeIdempotencyError', statusCode: 400 });
  });

  it('replays a failed first attempt too, and forgets keys after 24 hours', async () => {
    const intent = await pay(1000);
    const over = await thrown(() => stripe.refunds.create({ payment_intent: intent.id, amount: 1001 }, { idempotencyKey: 'refund-over' }));
    expect(over).toMatchObject({ type: 'StripeInvalidRequestError', statusCode: 400, param: 'amount', code: 'amount_too_large' });
    const replayed = await thrown(() =>
      stripe.refunds.create({ payment_intent: intent.id, amount: 1001 }, { idempotencyKey: 'refund-over' }),
    );
    expect(replayed).toMatchObject({ statusCode: 400, code: over.code, param: over.param, message: over.message });
    expect(replayed.headers?.['idempotent-replayed']).toBe('true');

    const full = await stripe.refunds.create({ charge: intent.latest_charge as string }, { idempotencyKey: 'refund-day' });
    expect(full.amount).toBe(1000);
    bed.advance(24 * 3600 * 1000 + 1000);
    const after = await thrown(() => stripe.refunds.create({ charge: intent.latest_charge as string }, { idempotencyKey: 'refund-day' }));
    expect(after).toMatchObject({ statusCode: 400, code: 'charge_already_refunded' });
  });

  it('cannot cancel a card refund that already succeeded', async () => {
    const intent = await pay(800);
    const refund = await stripe.refunds.create({ payment_intent: intent.id });
    expect(await stripe.refunds.retrieve(refund.id)).toMatchObject({ amount: 800, status: 'succeeded' });
    const error = await thrown(() => stripe.refunds.cancel(refund.id));
    expect(error).toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError' });
  });
});
