import { describe, expect, it } from 'vitest';
import { toBilling, toCharge, toInvoice, toPaymentIntent, toSubscription } from '../../../subgraphs/payments/mapping.js';
import type {
  StripeCharge,
  StripeCustomer,
  StripeInvoice,
  StripePaymentIntent,
  StripeSubscription,
} from '../../../subgraphs/payments/wire.js';

// Fixtures shaped as Stripe answers at the SDK's pinned API version (fields we do not read left out).
const T = 1_780_000_000; // 2026-05-28T20:26:40Z

const card = { id: 'pm_1', type: 'card', card: { brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2030 } };

const customer: StripeCustomer = {
  id: 'cus_1',
  created: T,
  email: 'ada@example.com',
  name: 'Ada Abbott',
  phone: '+15551234567',
  balance: -2500,
  currency: 'eur',
  delinquent: false,
  metadata: { segment: 'smb' },
  invoice_settings: { default_payment_method: card },
};

const intent: StripePaymentIntent = {
  id: 'pi_1',
  created: T,
  amount: 2000,
  amount_capturable: 0,
  amount_received: 0,
  currency: 'usd',
  customer: 'cus_1',
  status: 'requires_payment_method',
  capture_method: 'automatic_async',
  description: 'Order',
  latest_charge: { id: 'ch_9' },
  last_payment_error: { code: 'card_declined', decline_code: 'insufficient_funds', message: 'Your card has insufficient funds.' },
  canceled_at: null,
  cancellation_reason: null,
  metadata: {},
};

const charge: StripeCharge = {
  id: 'ch_1',
  created: T,
  amount: 10_000,
  amount_captured: 10_000,
  amount_refunded: 5_000,
  currency: 'gbp',
  customer: 'cus_1',
  payment_intent: 'pi_1',
  status: 'succeeded',
  captured: true,
  refunded: false,
  disputed: false,
  description: null,
  failure_code: null,
  failure_message: null,
  payment_method: 'pm_1',
  payment_method_details: { type: 'card', card: { brand: 'mastercard', last4: '4444', exp_month: 1, exp_year: 2029 } },
  refunds: {
    has_more: false,
    data: [
      {
        id: 're_1',
        created: T + 60,
        amount: 5_000,
        currency: 'gbp',
        charge: 'ch_1',
        payment_intent: 'pi_1',
        status: 'succeeded',
        reason: 'requested_by_customer',
        metadata: {},
      },
    ],
  },
  metadata: { order_id: 'ord_1' },
};

const invoice: StripeInvoice = {
  id: 'in_1',
  created: T,
  customer: 'cus_1',
  currency: 'jpy',
  status: 'paid',
  number: 'ABC-0001',
  total: 2900,
  subtotal: 2900,
  amount_due: 2900,
  amount_paid: 2900,
  amount_remaining: 0,
  description: null,
  due_date: null,
  period_start: T - 86_400 * 30,
  period_end: T,
  parent: { subscription_details: { subscription: 'sub_1' } },
  status_transitions: { finalized_at: T + 3600, paid_at: T + 7200 },
  lines: {
    has_more: true,
    data: [
      {
        id: 'il_1',
        amount: 2900,
        currency: 'jpy',
        description: '1 × Team (monthly)',
        quantity: 1,
        period: { start: T, end: T + 86_400 * 30 },
        subscription: 'sub_1',
      },
    ],
  },
  metadata: null,
};

const subscription: StripeSubscription = {
  id: 'sub_1',
  created: T,
  customer: { id: 'cus_1' },
  currency: 'eur',
  status: 'past_due',
  items: {
    has_more: false,
    data: [
      {
        id: 'si_1',
        price: {
          id: 'price_1',
          nickname: 'Team (monthly)',
          currency: 'eur',
          unit_amount: 2900,
          recurring: { interval: 'month', interval_count: 1 },
        },
        quantity: 3,
        current_period_start: T,
        current_period_end: T + 86_400 * 30,
      },
    ],
  },
  cancel_at_period_end: false,
  cancel_at: null,
  canceled_at: null,
  ended_at: null,
  trial_end: null,
  pause_collection: { behavior: 'keep_as_draft' },
  latest_invoice: 'in_1',
  metadata: {},
};

describe('Stripe objects -> schema types', () => {
  it('maps a customer to billing: balance as Money, credit as its negative part, the expanded payment method', () => {
    expect(toBilling(customer)).toEqual({
      __typename: 'Billing',
      id: 'cus_1',
      email: 'ada@example.com',
      name: 'Ada Abbott',
      phone: '+15551234567',
      currency: 'EUR',
      balance: { amount: -2500, currency: 'EUR', formatted: '-€25.00' },
      credit: { amount: 2500, currency: 'EUR', formatted: '€25.00' },
      delinquent: false,
      defaultPaymentMethod: {
        __typename: 'PaymentMethod',
        id: 'pm_1',
        type: 'card',
        brand: 'visa',
        last4: '4242',
        expMonth: 12,
        expYear: 2030,
      },
      metadata: { segment: 'smb' },
      address: null,
      createdAt: '2026-05-28T20:26:40.000Z',
    });
  });

  it("maps Stripe's address, and an address of empty parts (as Stripe returns after clearing one) to null", () => {
    const address = { line1: 'Unter den Linden 1', line2: '', city: 'Berlin', postal_code: '10117', state: null, country: 'DE' };
    expect(toBilling({ ...customer, address }).address).toEqual({
      line1: 'Unter den Linden 1',
      line2: null,
      city: 'Berlin',
      postalCode: '10117',
      state: null,
      country: 'DE',
    });
    const cleared = { line1: '', line2: '', city: '', postal_code: '', state: '', country: '' };
    expect(toBilling({ ...customer, address: cleared }).address).toBeNull();
  });

  it('leaves balance null for a customer Stripe has never billed, and an unexpanded payment method out', () => {
    const billing = toBilling({ ...customer, currency: null, balance: 0, invoice_settings: { default_payment_method: 'pm_1' } });
    expect(billing).toMatchObject({ currency: null, balance: null, credit: null, defaultPaymentMethod: null });
  });

  it('maps a payment intent with its last error and expandable references as ids', () => {
    expect(toPaymentIntent(intent)).toMatchObject({
      status: 'REQUIRES_PAYMENT_METHOD',
      captureMethod: 'AUTOMATIC_ASYNC',
      amount: { amount: 2000, currency: 'USD', formatted: '$20.00' },
      customerId: 'cus_1',
      latestChargeId: 'ch_9',
      lastPaymentError: { code: 'card_declined', declineCode: 'insufficient_funds' },
    });
  });

  it('maps a charge with its card and embedded refunds', () => {
    const mapped = toCharge(charge);
    expect(mapped).toMatchObject({
      status: 'SUCCEEDED',
      amountRefunded: { amount: 5000, currency: 'GBP' },
      paymentMethod: { id: 'pm_1', brand: 'mastercard', last4: '4444' },
    });
    expect(mapped.refunds).toEqual([
      {
        __typename: 'Refund',
        id: 're_1',
        amount: { amount: 5000, currency: 'GBP', formatted: '£50.00' },
        status: 'SUCCEEDED',
        reason: 'requested_by_customer',
        chargeId: 'ch_1',
        paymentIntentId: 'pi_1',
        metadata: {},
        createdAt: '2026-05-28T20:27:40.000Z',
      },
    ]);
    expect(toCharge({ ...charge, refunds: undefined }).refunds).toEqual([]);
  });

  it('maps an invoice: subscription from parent.subscription_details, zero-decimal currency, lines and their overflow', () => {
    const mapped = toInvoice(invoice);
    expect(mapped).toMatchObject({
      status: 'PAID',
      subscriptionId: 'sub_1',
      total: { amount: 2900, currency: 'JPY', formatted: '¥2,900' },
      paidAt: '2026-05-28T22:26:40.000Z',
      hasMoreLines: true,
      metadata: {},
    });
    expect(mapped.lines).toEqual([
      {
        __typename: 'InvoiceLine',
        id: 'il_1',
        description: '1 × Team (monthly)',
        amount: { amount: 2900, currency: 'JPY', formatted: '¥2,900' },
        quantity: 1,
        periodStart: '2026-05-28T20:26:40.000Z',
        periodEnd: '2026-06-27T20:26:40.000Z',
        subscriptionId: 'sub_1',
      },
    ]);
    expect(toInvoice({ ...invoice, parent: null, status: null }).subscriptionId).toBeNull();
    expect(toInvoice({ ...invoice, status: null }).status).toBe('DRAFT');
  });

  it('maps a subscription with periods from its items', () => {
    expect(toSubscription(subscription)).toMatchObject({
      status: 'PAST_DUE',
      customerId: 'cus_1',
      currency: 'EUR',
      pauseCollectionBehavior: 'keep_as_draft',
      latestInvoiceId: 'in_1',
      items: [
        {
          id: 'si_1',
          priceId: 'price_1',
          priceName: 'Team (monthly)',
          unitAmount: { amount: 2900 },
          interval: 'MONTH',
          intervalCount: 1,
          quantity: 3,
          currentPeriodEnd: '2026-06-27T20:26:40.000Z',
        },
      ],
    });
  });
});
