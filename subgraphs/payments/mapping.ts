/**
 * Stripe objects -> schema types, the search queries the loaders send, and idempotency keys. Pure: no I/O, no
 * clock. The Stripe shapes below are the fields this subgraph reads; the SDK's own types are supersets of them,
 * so tests can build fixtures without the hundreds of fields a full Stripe object has.
 */
import { createHash } from 'node:crypto';
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

// ---- Stripe shapes (what we read of them) ----

export type StripeMetadata = Record<string, string>;
export type StripeList<T> = { data: T[]; has_more: boolean };
/** An expandable reference: the id, or the object when expanded. */
type Ref = string | { id: string };

export type StripePaymentMethod = {
  id: string;
  type: string;
  card?: { brand: string; last4: string; exp_month: number; exp_year: number } | null;
};

export type StripeCustomer = {
  id: string;
  created: number;
  email: string | null;
  name?: string | null;
  phone?: string | null;
  balance: number;
  currency?: string | null;
  delinquent?: boolean | null;
  metadata: StripeMetadata;
  invoice_settings: { default_payment_method: string | StripePaymentMethod | null };
  /** Present when the request expanded `subscriptions` (the customer's current ones, first 10). */
  subscriptions?: StripeList<StripeSubscription>;
  deleted?: void;
};

export type StripePaymentIntent = {
  id: string;
  created: number;
  amount: number;
  amount_capturable: number;
  amount_received: number;
  currency: string;
  customer: Ref | null;
  status: string;
  capture_method: string;
  description: string | null;
  latest_charge: Ref | null;
  last_payment_error: { code?: string; decline_code?: string; message?: string } | null;
  canceled_at: number | null;
  cancellation_reason: string | null;
  metadata: StripeMetadata;
};

export type StripeRefund = {
  id: string;
  created: number;
  amount: number;
  currency: string;
  charge: Ref | null;
  payment_intent: Ref | null;
  status: string | null;
  reason: string | null;
  metadata: StripeMetadata | null;
};

export type StripeCharge = {
  id: string;
  created: number;
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  currency: string;
  customer: Ref | null;
  payment_intent: Ref | null;
  status: string;
  captured: boolean;
  refunded: boolean;
  disputed: boolean;
  description: string | null;
  failure_code: string | null;
  failure_message: string | null;
  payment_method: string | null;
  payment_method_details: { type: string; card?: { brand: string | null; last4: string | null; exp_month: number; exp_year: number } | null } | null;
  /** Present when the request expanded `refunds`. */
  refunds?: StripeList<StripeRefund> | null;
  metadata: StripeMetadata;
};

export type StripeInvoiceLine = {
  id: string;
  amount: number;
  currency: string;
  description: string | null;
  quantity: number | null;
  period: { start: number; end: number };
  subscription: Ref | null;
};

export type StripeInvoice = {
  id: string;
  created: number;
  customer: Ref | null;
  currency: string;
  status: string | null;
  number: string | null;
  total: number;
  subtotal: number;
  amount_due: number;
  amount_paid: number;
  amount_remaining: number;
  description: string | null;
  due_date: number | null;
  period_start: number;
  period_end: number;
  parent: { subscription_details: { subscription: Ref } | null } | null;
  status_transitions: { finalized_at: number | null; paid_at: number | null };
  lines: StripeList<StripeInvoiceLine>;
  metadata: StripeMetadata | null;
};

export type StripePrice = {
  id: string;
  nickname: string | null;
  currency: string;
  unit_amount: number | null;
  recurring: { interval: string; interval_count: number } | null;
};

export type StripeSubscriptionItem = {
  id: string;
  price: StripePrice;
  quantity?: number;
  current_period_start: number;
  current_period_end: number;
};

export type StripeSubscription = {
  id: string;
  created: number;
  customer: Ref;
  currency: string;
  status: string;
  items: StripeList<StripeSubscriptionItem>;
  cancel_at_period_end: boolean;
  cancel_at: number | null;
  canceled_at: number | null;
  ended_at: number | null;
  trial_end: number | null;
  pause_collection: { behavior: string } | null;
  latest_invoice: Ref | null;
  metadata: StripeMetadata;
};

// ---- Models codegen maps entity types to ----

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
  createdAt: string;
};

// ---- Small helpers ----

const iso = (seconds: number): string => new Date(seconds * 1000).toISOString();
const isoOrNull = (seconds: number | null | undefined): string | null => (seconds === null || seconds === undefined ? null : iso(seconds));
const idOf = (ref: Ref | null | undefined): string | null => (ref === null || ref === undefined ? null : typeof ref === 'string' ? ref : ref.id);
const money = (amount: number, currency: string): Money => moneyFromMinor(amount, currency);

/** Stripe's lower-case status as the schema's enum value; the enums list every value Stripe documents. */
const upper = <T extends string>(value: string): T => value.toUpperCase() as T;

// ---- Objects ----

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
    createdAt: iso(customer.created),
  };
}

const CAPTURE_METHODS: Record<string, CaptureMethod> = { automatic: 'AUTOMATIC', automatic_async: 'AUTOMATIC_ASYNC', manual: 'MANUAL' };

export function toCaptureMethodParam(method: CaptureMethod): 'automatic' | 'automatic_async' | 'manual' {
  return method.toLowerCase() as 'automatic' | 'automatic_async' | 'manual';
}

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
    lastPaymentError: error ? { __typename: 'PaymentError', code: error.code ?? null, declineCode: error.decline_code ?? null, message: error.message ?? null } : null,
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

// ---- Filters and search queries ----

/** A list filter in Stripe's terms: lower-case statuses, bounds in Unix seconds (after inclusive, before exclusive). */
export type ListFilter = { statuses: string[] | null; createdFrom: number | null; createdUntil: number | null };

export const NO_FILTER: ListFilter = { statuses: null, createdFrom: null, createdUntil: null };

/** The schema's filter input; DateTime values arrive as Date objects from the scalar, or as strings. */
export type FilterInput = {
  status?: readonly string[] | null;
  createdAfter?: string | Date | null;
  createdBefore?: string | Date | null;
};

const seconds = (value: string | Date): number => Math.ceil(new Date(value).getTime() / 1000);

/** Schema filter -> ListFilter. Instants round up to whole seconds, which keeps "after" inclusive and "before" exclusive. */
export function toListFilter(input: FilterInput | null | undefined): ListFilter {
  if (!input) return NO_FILTER;
  return {
    statuses: input.status && input.status.length > 0 ? [...new Set(input.status.map((status) => status.toLowerCase()))].sort() : null,
    createdFrom: input.createdAfter ? seconds(input.createdAfter) : null,
    createdUntil: input.createdBefore ? seconds(input.createdBefore) : null,
  };
}

/** A stable string for a filter: loaders batch keys with the same filter into one search. */
export function filterKey(filter: ListFilter): string {
  return JSON.stringify([filter.statuses, filter.createdFrom, filter.createdUntil]);
}

export function matchesFilter(row: { status: string | null; created: number }, filter: ListFilter): boolean {
  if (filter.statuses && !filter.statuses.includes(row.status ?? '')) return false;
  if (filter.createdFrom !== null && row.created < filter.createdFrom) return false;
  if (filter.createdUntil !== null && row.created >= filter.createdUntil) return false;
  return true;
}

/** A value in Stripe's search language: always double-quoted, with `\` and `"` escaped by a backslash. */
export function quoteSearchValue(value: string): string {
  return `"${value.replace(/[\\"]/g, (char) => `\\${char}`)}"`;
}

/** `field:"a" OR field:"b" ...`: one clause per value (Stripe allows at most 10 clauses per query). */
export function toOrQuery(field: string, values: readonly string[]): string {
  if (values.length === 0) throw new Error('a search query needs at least one value');
  return values.map((value) => `${field}:${quoteSearchValue(value)}`).join(' OR ');
}

/** The customer search for a batch of emails; emails are compared lower-case, as Stripe search does. */
export function toCustomerEmailQuery(emails: readonly string[]): string {
  return toOrQuery('email', emails.map((email) => email.toLowerCase()));
}

/**
 * The search for a batch of customers' rows. Stripe's query language cannot mix AND with OR, so a batch of
 * several customers is `customer:"a" OR customer:"b"` and the filter is applied to the rows afterwards; a
 * single customer gets the filter in the query (`customer:"a" AND status:"paid" AND created>=...`), which
 * Stripe evaluates, so fewer rows come back. Several statuses cannot be ORed inside an AND: those are applied
 * afterwards too. Callers apply `matchesFilter` to every row either way.
 */
export function toCustomerRowsQuery(customerIds: readonly string[], filter: ListFilter): string {
  if (customerIds.length !== 1) return toOrQuery('customer', customerIds);
  const clauses = [`customer:${quoteSearchValue(customerIds[0]!)}`];
  if (filter.statuses?.length === 1) clauses.push(`status:${quoteSearchValue(filter.statuses[0]!)}`);
  if (filter.createdFrom !== null) clauses.push(`created>=${filter.createdFrom}`);
  if (filter.createdUntil !== null) clauses.push(`created<${filter.createdUntil}`);
  return clauses.join(' AND ');
}

// ---- Idempotency ----

/** Stripe takes keys up to 255 characters; ours are prefixed, so the caller's part is capped lower. */
export const MAX_CLIENT_IDEMPOTENCY_KEY = 200;

/** Sorts object keys at every level, so the same input always serializes the same way. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value instanceof Date) return value.toISOString();
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, field]) => field !== undefined && field !== null)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([key, field]) => [key, canonical(field)]),
    );
  }
  return value;
}

/**
 * The Idempotency-Key for a mutation: the caller's key, or a hash of the operation and its input (the
 * `idempotencyKey` field aside) so that retrying the same request never charges or refunds twice. Both are
 * prefixed with the operation, so one caller key used for two different operations cannot collide on Stripe.
 */
export function toIdempotencyKey(operation: string, input: Record<string, unknown>, clientKey?: string | null): string {
  if (clientKey) return `ix:${operation}:${clientKey}`;
  const { idempotencyKey: _ignored, ...rest } = input;
  const digest = createHash('sha256').update(JSON.stringify(canonical(rest))).digest('base64url');
  return `ix:${operation}:auto:${digest}`;
}

/** Metadata input (JSON) as Stripe's string map, or an error message naming what is wrong. */
export function toMetadataParam(value: unknown): Record<string, string> | string {
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) return 'must be an object of string values';
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > 50) return 'may have at most 50 keys';
  for (const [key, field] of entries) {
    if (typeof field !== 'string') return `value of "${key}" must be a string`;
    if (key.length > 40) return `key "${key.slice(0, 40)}..." is longer than 40 characters`;
    if (field.length > 500) return `value of "${key}" is longer than 500 characters`;
  }
  return Object.fromEntries(entries) as Record<string, string>;
}
