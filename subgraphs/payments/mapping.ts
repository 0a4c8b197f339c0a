/**
 * Stripe objects -> schema types: one pure function per type, named for what it returns. No I/O, no clock.
 */
import { moneyFromMinor, type Money } from '../kit/index.js';
import type {
  BillingInterval,
  BillingSubscription,
  BillingSubscriptionItem,
  BillingSubscriptionStatus,
  CaptureMethod,
  Charge,
  ChargeStatus,
  Invoice,
  InvoiceLine,
  InvoiceStatus,
  PaymentIntent,
  PaymentIntentStatus,
  PaymentMethod,
  Refund,
  RefundStatus,
} from './__generated__/resolvers.js';
import type {
  Ref,
  StripeCharge,
  StripeAddress,
  StripeCustomer,
  StripeInvoice,
  StripeInvoiceLine,
  StripeMetadata,
  StripePaymentIntent,
  StripePaymentMethod,
  StripeRefund,
  StripeSubscription,
  StripeSubscriptionItem,
} from './wire.js';

/** The Customer as this subgraph resolves it: the email it was joined by; `billing` is loaded from it. */
export type CustomerModel = { __typename: 'Customer'; email: string | null };

/** A Stripe customer's own fields; the lists under it are loaded by its `id`. */
export type BillingModel = {
  __typename: 'Billing';
  id: string;
  email: string | null;
  name: string | null;
  phone: string | null;
  currency: string | null;
  balance: Money | null;
  credit: Money | null;
  delinquent: boolean;
  defaultPaymentMethod: PaymentMethod | null;
  metadata: StripeMetadata;
  address: BillingAddress | null;
  createdAt: string;
};

export type BillingAddress = {
  line1: string | null;
  line2: string | null;
  city: string | null;
  postalCode: string | null;
  state: string | null;
  country: string | null;
};

/** Stripe's address, or null when it has none (an address of empty parts included). */
export function toBillingAddress(address: StripeAddress | null | undefined): BillingAddress | null {
  if (!address) return null;
  const model = {
    line1: address.line1 || null,
    line2: address.line2 || null,
    city: address.city || null,
    postalCode: address.postal_code || null,
    state: address.state || null,
    country: address.country || null,
  };
  return Object.values(model).some((part) => part !== null) ? model : null;
}

const iso = (seconds: number): string => new Date(seconds * 1000).toISOString();
const isoOrNull = (seconds: number | null | undefined): string | null => (seconds === null || seconds === undefined ? null : iso(seconds));
const idOf = (ref: Ref | null | undefined): string | null =>
  ref === null || ref === undefined ? null : typeof ref === 'string' ? ref : ref.id;
const money = (amount: number, currency: string): Money => moneyFromMinor(amount, currency);

/** Stripe's lower-case status as the schema's enum value; the enums list every value Stripe documents. */
const upper = <T extends string>(value: string): T => value.toUpperCase() as T;

export function toPaymentMethod(method: StripePaymentMethod): PaymentMethod {
  return {
    __typename: 'PaymentMethod',
    id: method.id,
    type: method.type,
    brand: method.card?.brand ?? null,
    last4: method.card?.last4 ?? null,
    expMonth: method.card?.exp_month ?? null,
    expYear: method.card?.exp_year ?? null,
  };
}

export function toBilling(customer: StripeCustomer): BillingModel {
  const currency = customer.currency ? customer.currency.toUpperCase() : null;
  const preferred = customer.invoice_settings.default_payment_method;
  return {
    __typename: 'Billing',
    id: customer.id,
    email: customer.email,
    name: customer.name ?? null,
    phone: customer.phone ?? null,
    currency,
    balance: currency ? money(customer.balance, currency) : null,
    credit: currency ? money(Math.max(0, -customer.balance), currency) : null,
    delinquent: customer.delinquent ?? false,
    // Unexpanded (a bare id) only when the request did not ask: the loaders always expand it.
    defaultPaymentMethod: preferred && typeof preferred === 'object' ? toPaymentMethod(preferred) : null,
    metadata: customer.metadata,
    address: toBillingAddress(customer.address),
    createdAt: iso(customer.created),
  };
}

const CAPTURE_METHODS: Record<string, CaptureMethod> = { automatic: 'AUTOMATIC', automatic_async: 'AUTOMATIC_ASYNC', manual: 'MANUAL' };

export function toPaymentIntent(intent: StripePaymentIntent): PaymentIntent {
  const error = intent.last_payment_error;
  return {
    __typename: 'PaymentIntent',
    id: intent.id,
    amount: money(intent.amount, intent.currency),
    amountCapturable: money(intent.amount_capturable, intent.currency),
    amountReceived: money(intent.amount_received, intent.currency),
    status: upper<PaymentIntentStatus>(intent.status),
    captureMethod: CAPTURE_METHODS[intent.capture_method] ?? 'AUTOMATIC',
    customerId: idOf(intent.customer),
    description: intent.description,
    latestChargeId: idOf(intent.latest_charge),
    lastPaymentError: error
      ? { __typename: 'PaymentError', code: error.code ?? null, declineCode: error.decline_code ?? null, message: error.message ?? null }
      : null,
    canceledAt: isoOrNull(intent.canceled_at),
    cancellationReason: intent.cancellation_reason,
    metadata: intent.metadata,
    createdAt: iso(intent.created),
  };
}

export function toRefund(refund: StripeRefund): Refund {
  return {
    __typename: 'Refund',
    id: refund.id,
    amount: money(refund.amount, refund.currency),
    // Stripe documents the status as always set; a refund without one is still being created.
    status: upper<RefundStatus>(refund.status ?? 'pending'),
    reason: refund.reason,
    chargeId: idOf(refund.charge) ?? '',
    paymentIntentId: idOf(refund.payment_intent),
    metadata: refund.metadata ?? {},
    createdAt: iso(refund.created),
  };
}

export function toCharge(charge: StripeCharge): Charge {
  const card = charge.payment_method_details?.card;
  return {
    __typename: 'Charge',
    id: charge.id,
    amount: money(charge.amount, charge.currency),
    amountCaptured: money(charge.amount_captured, charge.currency),
    amountRefunded: money(charge.amount_refunded, charge.currency),
    status: upper<ChargeStatus>(charge.status),
    captured: charge.captured,
    refunded: charge.refunded,
    disputed: charge.disputed,
    customerId: idOf(charge.customer),
    paymentIntentId: idOf(charge.payment_intent),
    description: charge.description,
    failureCode: charge.failure_code,
    failureMessage: charge.failure_message,
    paymentMethod: charge.payment_method
      ? {
          __typename: 'PaymentMethod',
          id: charge.payment_method,
          type: charge.payment_method_details?.type ?? 'card',
          brand: card?.brand ?? null,
          last4: card?.last4 ?? null,
          expMonth: card?.exp_month ?? null,
          expYear: card?.exp_year ?? null,
        }
      : null,
    refunds: (charge.refunds?.data ?? []).map(toRefund),
    metadata: charge.metadata,
    createdAt: iso(charge.created),
  };
}

export function toInvoiceLine(line: StripeInvoiceLine): InvoiceLine {
  return {
    __typename: 'InvoiceLine',
    id: line.id,
    description: line.description,
    amount: money(line.amount, line.currency),
    quantity: line.quantity,
    periodStart: iso(line.period.start),
    periodEnd: iso(line.period.end),
    subscriptionId: idOf(line.subscription),
  };
}

export function toInvoice(invoice: StripeInvoice): Invoice {
  const currency = invoice.currency;
  return {
    __typename: 'Invoice',
    id: invoice.id,
    number: invoice.number,
    // Stripe types the status nullable for invoices still being created; those are drafts.
    status: upper<InvoiceStatus>(invoice.status ?? 'draft'),
    customerId: idOf(invoice.customer) ?? '',
    total: money(invoice.total, currency),
    subtotal: money(invoice.subtotal, currency),
    amountDue: money(invoice.amount_due, currency),
    amountPaid: money(invoice.amount_paid, currency),
    amountRemaining: money(invoice.amount_remaining, currency),
    // At the pinned API version the subscription lives under parent.subscription_details.
    subscriptionId: idOf(invoice.parent?.subscription_details?.subscription),
    description: invoice.description,
    dueDate: isoOrNull(invoice.due_date),
    periodStart: iso(invoice.period_start),
    periodEnd: iso(invoice.period_end),
    finalizedAt: isoOrNull(invoice.status_transitions.finalized_at),
    paidAt: isoOrNull(invoice.status_transitions.paid_at),
    lines: invoice.lines.data.map(toInvoiceLine),
    hasMoreLines: invoice.lines.has_more,
    metadata: invoice.metadata ?? {},
    createdAt: iso(invoice.created),
  };
}

const INTERVALS: Record<string, BillingInterval> = { day: 'DAY', week: 'WEEK', month: 'MONTH', year: 'YEAR' };

export function toSubscriptionItem(item: StripeSubscriptionItem): BillingSubscriptionItem {
  const price = item.price;
  return {
    __typename: 'BillingSubscriptionItem',
    id: item.id,
    priceId: price.id,
    priceName: price.nickname,
    unitAmount: price.unit_amount === null ? null : money(price.unit_amount, price.currency),
    interval: price.recurring ? (INTERVALS[price.recurring.interval] ?? null) : null,
    intervalCount: price.recurring?.interval_count ?? null,
    quantity: item.quantity ?? 1,
    // At the pinned API version the billing period lives on the items, not the subscription.
    currentPeriodStart: iso(item.current_period_start),
    currentPeriodEnd: iso(item.current_period_end),
  };
}

export function toSubscription(subscription: StripeSubscription): BillingSubscription {
  return {
    __typename: 'BillingSubscription',
    id: subscription.id,
    status: upper<BillingSubscriptionStatus>(subscription.status),
    customerId: idOf(subscription.customer) ?? '',
    currency: subscription.currency.toUpperCase(),
    items: subscription.items.data.map(toSubscriptionItem),
    cancelAtPeriodEnd: subscription.cancel_at_period_end,
    cancelAt: isoOrNull(subscription.cancel_at),
    canceledAt: isoOrNull(subscription.canceled_at),
    endedAt: isoOrNull(subscription.ended_at),
    trialEnd: isoOrNull(subscription.trial_end),
    pauseCollectionBehavior: subscription.pause_collection?.behavior ?? null,
    latestInvoiceId: idOf(subscription.latest_invoice),
    metadata: subscription.metadata,
    createdAt: iso(subscription.created),
  };
}
