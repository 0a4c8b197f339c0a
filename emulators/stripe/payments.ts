import { nowSeconds, type RequestInfo, type StripeContext } from './context.js';
import { previousAttributes } from './events.js';
import { noSuch, StripeApiError, unexpectedState } from './errors.js';
import { buildCharge, buildLastPaymentError, buildPaymentMethod, buildRefund, publicPaymentMethod } from './objects.js';
import type { PaymentMethod } from './store.js';
import type { Charge, Metadata, PaymentIntent, Refund } from './types.js';

type Failure = { code: string; declineCode: string; message: string };

/** Stripe's test payment method ids and the test card each stands for. */
export const TEST_PAYMENT_METHODS: Readonly<Record<string, { number: string; brand: string }>> = {
  pm_card_visa: { number: '4242424242424242', brand: 'visa' },
  pm_card_mastercard: { number: '5555555555554444', brand: 'mastercard' },
  pm_card_amex: { number: '378282246310005', brand: 'amex' },
  pm_card_chargeDeclined: { number: '4000000000000002', brand: 'visa' },
  pm_card_chargeDeclinedInsufficientFunds: { number: '4000000000009995', brand: 'visa' },
  pm_card_chargeDeclinedExpiredCard: { number: '4000000000000069', brand: 'visa' },
  pm_card_chargeDeclinedProcessingError: { number: '4000000000000119', brand: 'visa' },
};

/** Test card numbers that decline, with the error Stripe answers; any other number succeeds. */
export const DECLINING_CARDS: Readonly<Record<string, Failure>> = {
  '4000000000000002': { code: 'card_declined', declineCode: 'generic_decline', message: 'Your card was declined.' },
  '4000000000009995': { code: 'card_declined', declineCode: 'insufficient_funds', message: 'Your card has insufficient funds.' },
  '4000000000000069': { code: 'expired_card', declineCode: 'expired_card', message: 'Your card has expired.' },
  '4000000000000119': {
    code: 'processing_error',
    declineCode: 'processing_error',
    message: 'An error occurred while processing your card. Try again in a little bit.',
  },
};

/**
 * Turns a `payment_method` parameter into a stored PaymentMethod. A test id such as `pm_card_visa` becomes a
 * fresh `pm_...` each time, as on Stripe; anything else must already exist.
 */
export function resolvePaymentMethod(context: StripeContext, id: string, customer: string | null, param: string): PaymentMethod {
  const test = TEST_PAYMENT_METHODS[id];
  if (test) return createCardPaymentMethod(context, test.number, test.brand, customer);
  const stored = context.store.payment_methods.get(id);
  if (!stored) throw noSuch('PaymentMethod', id, param);
  return stored;
}

export function createCardPaymentMethod(context: StripeContext, number: string, brand: string, customer: string | null): PaymentMethod {
  return context.store.payment_methods.insert(
    buildPaymentMethod({ id: context.newId('pm'), created: nowSeconds(context), customer, brand, last4: number.slice(-4), number }),
  );
}

function failureOf(method: PaymentMethod): Failure | undefined {
  return method.card.number ? DECLINING_CARDS[method.card.number] : undefined;
}

const CONFIRMABLE: ReadonlyArray<PaymentIntent['status']> = ['requires_payment_method', 'requires_confirmation', 'requires_action'];

/**
 * Confirms an intent with its payment method: a charge is made either way; on a decline the intent goes back
 * to requires_payment_method and the 402 card error to throw is returned.
 */
export function confirmPaymentIntent(context: StripeContext, intent: PaymentIntent, request: RequestInfo): StripeApiError | undefined {
  if (!CONFIRMABLE.includes(intent.status)) {
    throw unexpectedState(
      'payment_intent_unexpected_state',
      `You cannot confirm this PaymentIntent because it has a ` +
        `status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be confirmed: ` +
        `${CONFIRMABLE.join(', ')}.`,
    );
  }
  if (!intent.payment_method) {
    throw new StripeApiError(400, {
      type: 'invalid_request_error',
      code: 'payment_intent_unexpected_state',
      param: 'payment_method',
      message:
        "You cannot confirm this PaymentIntent because it's missing a payment " +
        'method. To confirm the PaymentIntent with a payment method, pass `payment_method`.',
    });
  }
  const method = context.store.payment_methods.get(intent.payment_method);
  if (!method) throw noSuch('PaymentMethod', intent.payment_method, 'payment_method');
  const before = structuredClone(intent);
  const failure = failureOf(method);
  const manual = intent.capture_method === 'manual';
  const charge = context.store.charges.insert(
    buildCharge({ id: context.newId('ch'), created: nowSeconds(context), intent, method, captured: !manual, failure }),
  );
  intent.latest_charge = charge.id;
  if (failure) {
    intent.status = 'requires_payment_method';
    intent.payment_method = null;
    intent.last_payment_error = buildLastPaymentError(charge, method, failure);
    context.events.record('charge.failed', charge, request);
    context.events.record('payment_intent.payment_failed', intent, request);
    return new StripeApiError(402, {
      type: 'card_error',
      code: failure.code,
      decline_code: failure.declineCode,
      message: failure.message,
      charge: charge.id,
      payment_intent: structuredClone(intent),
      payment_method: publicPaymentMethod(method),
    });
  }
  intent.last_payment_error = null;
  context.events.record('charge.succeeded', charge, request);
  if (manual) {
    intent.status = 'requires_capture';
    intent.amount_capturable = intent.amount;
    context.events.record('payment_intent.amount_capturable_updated', intent, request, previousAttributes(before, intent));
  } else {
    intent.status = 'succeeded';
    intent.amount_received = intent.amount;
    context.events.record('payment_intent.succeeded', intent, request);
  }
  return undefined;
}

/** Captures an authorized intent, in full or in part; what is not captured is released back to the card. */
export function capturePaymentIntent(
  context: StripeContext,
  intent: PaymentIntent,
  amount: number | undefined,
  request: RequestInfo,
): void {
  if (intent.status !== 'requires_capture') {
    throw unexpectedState(
      'payment_intent_unexpected_state',
      `This PaymentIntent could not be captured because it ` +
        `has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be captured: ` +
        'requires_capture.',
    );
  }
  const toCapture = amount ?? intent.amount_capturable;
  if (toCapture < 1 || toCapture > intent.amount_capturable) {
    throw new StripeApiError(400, {
      type: 'invalid_request_error',
      code: 'amount_too_large',
      param: 'amount_to_capture',
      message: `The amount to capture must be between 1 and the capturable amount (${intent.amount_capturable}).`,
    });
  }
  const charge = context.store.charges.get(intent.latest_charge ?? '');
  if (charge) {
    const before = structuredClone(charge);
    charge.captured = true;
    charge.amount_captured = toCapture;
    if (toCapture < charge.amount) {
      charge.amount_refunded = charge.amount - toCapture;
    }
    context.events.record('charge.captured', charge, request, previousAttributes(before, charge));
  }
  intent.status = 'succeeded';
  intent.amount_capturable = 0;
  intent.amount_received = toCapture;
  context.events.record('payment_intent.succeeded', intent, request);
}

const CANCELABLE: ReadonlyArray<PaymentIntent['status']> = [
  'requires_payment_method',
  'requires_capture',
  'requires_confirmation',
  'requires_action',
  'processing',
];

export function cancelPaymentIntent(context: StripeContext, intent: PaymentIntent, reason: string | undefined, request: RequestInfo): void {
  if (!CANCELABLE.includes(intent.status)) {
    throw unexpectedState(
      'payment_intent_unexpected_state',
      `You cannot cancel this PaymentIntent because it has a ` +
        `status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be canceled: ` +
        `${CANCELABLE.join(', ')}.`,
    );
  }
  const charge = intent.status === 'requires_capture' ? context.store.charges.get(intent.latest_charge ?? '') : undefined;
  if (charge) {
    // Canceling an authorization releases it: Stripe reports that as a refund of the whole charge.
    const before = structuredClone(charge);
    charge.amount_refunded = charge.amount;
    charge.refunded = true;
    context.events.record('charge.refunded', charge, request, previousAttributes(before, charge));
  }
  intent.status = 'canceled';
  intent.canceled_at = nowSeconds(context);
  intent.cancellation_reason = reason ?? null;
  intent.amount_capturable = 0;
  context.events.record('payment_intent.canceled', intent, request);
}

/** Refunds part or all of what remains of a captured charge. */
export function refundCharge(
  context: StripeContext,
  charge: Charge,
  f: { amount?: number; reason?: string; metadata?: Metadata },
  request: RequestInfo,
): Refund {
  if (charge.status !== 'succeeded' || !charge.captured) {
    throw new StripeApiError(400, {
      type: 'invalid_request_error',
      code: 'charge_not_refundable',
      param: 'charge',
      message: `Charge ${charge.id} has ${charge.status === 'failed' ? 'failed' : 'not been captured'} and cannot be refunded.`,
    });
  }
  const remaining = charge.amount_captured - charge.amount_refunded;
  if (remaining <= 0) {
    throw new StripeApiError(400, {
      type: 'invalid_request_error',
      code: 'charge_already_refunded',
      param: 'charge',
      message: `Charge ${charge.id} has already been refunded.`,
    });
  }
  const amount = f.amount ?? remaining;
  if (amount < 1 || amount > remaining) {
    throw new StripeApiError(400, {
      type: 'invalid_request_error',
      code: 'amount_too_large',
      param: 'amount',
      message:
        `Refund amount (${amount} ${charge.currency}) is greater than unrefunded amount on charge ` + `(${remaining} ${charge.currency}).`,
    });
  }
  const refund = context.store.refunds.insert(
    buildRefund({ id: context.newId('re'), created: nowSeconds(context), charge, amount, reason: f.reason, metadata: f.metadata }),
  );
  const before = structuredClone(charge);
  charge.amount_refunded += amount;
  charge.refunded = charge.amount_refunded >= charge.amount_captured;
  context.events.record('refund.created', refund, request);
  context.events.record('charge.refunded', charge, request, previousAttributes(before, charge));
  return refund;
}
