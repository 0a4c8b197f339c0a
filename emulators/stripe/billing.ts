import { nowSeconds, type RequestInfo, type StripeContext } from './context.js';
import { previousAttributes } from './events.js';
import { invalidRequest, StripeApiError, unexpectedState } from './errors.js';
import { addInvoiceLine, buildInvoice, buildInvoicePayment, buildPaymentIntent } from './objects.js';
import { confirmPaymentIntent, resolvePaymentMethod } from './payments.js';
import type { Customer, Invoice, Subscription } from './types.js';

/** Records the specific event and the `invoice.updated` that carries `previous_attributes`, as Stripe sends both. */
function recordChange(context: StripeContext, type: string, invoice: Invoice, before: Invoice, request: RequestInfo) {
  context.events.record(type, invoice, request);
  context.events.record('invoice.updated', invoice, request, previousAttributes(before, invoice));
}

export function finalizeInvoice(context: StripeContext, invoice: Invoice, request: RequestInfo): void {
  if (invoice.status !== 'draft') {
    throw unexpectedState('invoice_not_editable', `This invoice is already finalized, you can't re-finalize a ` + `non-draft invoice.`);
  }
  const customer = context.store.customers.get(invoice.customer);
  const before = structuredClone(invoice);
  const now = nowSeconds(context);
  if (customer) {
    invoice.number = `${customer.invoice_prefix}-${String(customer.next_invoice_sequence).padStart(4, '0')}`;
    customer.next_invoice_sequence++;
  }
  invoice.status = 'open';
  invoice.status_transitions.finalized_at = now;
  invoice.effective_at = now;
  invoice.hosted_invoice_url = null;
  if (invoice.amount_due === 0) {
    // Stripe marks a zero-amount invoice paid as soon as it is finalized.
    invoice.status = 'paid';
    invoice.status_transitions.paid_at = now;
  }
  recordChange(context, 'invoice.finalized', invoice, before, request);
  if (invoice.status === 'paid') context.events.record('invoice.paid', invoice, request);
}

/**
 * Pays an open invoice: out of band, or by charging `paymentMethod` (else the customer's default). A decline
 * leaves the invoice open with one more attempt counted and throws the 402.
 */
export function payInvoice(
  context: StripeContext,
  invoice: Invoice,
  f: { paymentMethod?: string; outOfBand?: boolean },
  request: RequestInfo,
): void {
  if (invoice.status === 'draft') finalizeInvoice(context, invoice, request);
  if (invoice.status === 'paid') {
    throw unexpectedState('invoice_already_paid', 'Invoice is already paid.');
  }
  if (invoice.status !== 'open' && invoice.status !== 'uncollectible') {
    throw unexpectedState('invoice_not_open', `You can only pay open or uncollectible invoices. This invoice is ${invoice.status}.`);
  }
  const before = structuredClone(invoice);
  const now = nowSeconds(context);
  if (!f.outOfBand) {
    const customer = context.store.customers.get(invoice.customer);
    const methodId = f.paymentMethod ?? customer?.invoice_settings.default_payment_method ?? null;
    if (!methodId) {
      throw invalidRequest(
        'This customer has no attached payment source or default payment method. Please consider ' + 'adding a default payment method.',
        { param: 'payment_method' },
      );
    }
    const method = resolvePaymentMethod(context, methodId, invoice.customer, 'payment_method');
    const intent = context.store.payment_intents.insert(
      buildPaymentIntent({
        id: context.newId('pi'),
        created: now,
        amount: invoice.amount_remaining,
        currency: invoice.currency,
        customer: invoice.customer,
        paymentMethod: method.id,
        description: `Payment for Invoice ${invoice.number ?? invoice.id}`,
        captureMethod: 'automatic',
      }),
    );
    context.events.record('payment_intent.created', intent, request);
    const payment = context.store.invoice_payments.insert(
      buildInvoicePayment({ id: context.newId('inpay'), created: now, invoice, paymentIntent: intent.id, paid: false }),
    );
    invoice.attempt_count++;
    invoice.attempted = true;
    const declined = confirmPaymentIntent(context, intent, request);
    if (declined) {
      payment.status = 'open';
      context.events.record('invoice.payment_failed', invoice, request);
      context.events.record('invoice.updated', invoice, request, previousAttributes(before, invoice));
      throw declined;
    }
    payment.status = 'paid';
    payment.amount_paid = invoice.amount_remaining;
    payment.status_transitions.paid_at = now;
  }
  invoice.amount_paid = invoice.amount_due;
  invoice.amount_remaining = 0;
  invoice.status = 'paid';
  invoice.status_transitions.paid_at = now;
  recordChange(context, 'invoice.paid', invoice, before, request);
  context.events.record('invoice.payment_succeeded', invoice, request);
}

export function voidInvoice(context: StripeContext, invoice: Invoice, request: RequestInfo): void {
  if (invoice.status !== 'open' && invoice.status !== 'uncollectible') {
    throw unexpectedState('invoice_not_open', `You can only void open or uncollectible invoices. This invoice is ${invoice.status}.`);
  }
  const before = structuredClone(invoice);
  invoice.status = 'void';
  invoice.status_transitions.voided_at = nowSeconds(context);
  recordChange(context, 'invoice.voided', invoice, before, request);
}

export function markUncollectible(context: StripeContext, invoice: Invoice, request: RequestInfo): void {
  if (invoice.status !== 'open') {
    throw unexpectedState('invoice_not_open', `You can only mark open invoices uncollectible. This invoice is ${invoice.status}.`);
  }
  const before = structuredClone(invoice);
  invoice.status = 'uncollectible';
  invoice.status_transitions.marked_uncollectible_at = nowSeconds(context);
  recordChange(context, 'invoice.marked_uncollectible', invoice, before, request);
}

/**
 * Bills a subscription's current period: an invoice with one line per item, finalized and charged to the
 * subscription's (or customer's) default payment method. Returns whether the payment went through.
 */
export function billSubscriptionPeriod(
  context: StripeContext,
  subscription: Subscription,
  customer: Customer,
  request: RequestInfo,
): { invoice: Invoice; paid: boolean } {
  const now = nowSeconds(context);
  const invoice = context.store.invoices.insert(
    buildInvoice({
      id: context.newId('in'),
      created: now,
      customer,
      currency: subscription.currency,
      subscription,
      periodStart: subscription.items.data[0]?.current_period_start ?? now,
      periodEnd: subscription.items.data[0]?.current_period_end ?? now,
    }),
  );
  invoice.billing_reason = 'subscription_create';
  for (const item of subscription.items.data) {
    addInvoiceLine(invoice, {
      id: context.newId('il'),
      amount: item.price.unit_amount * item.quantity,
      description: `${item.quantity} × ${item.price.nickname ?? item.price.product}`,
      quantity: item.quantity,
      subscriptionItem: item,
      periodStart: item.current_period_start,
      periodEnd: item.current_period_end,
    });
  }
  context.events.record('invoice.created', invoice, request);
  subscription.latest_invoice = invoice.id;
  finalizeInvoice(context, invoice, request);
  if (invoice.status === 'paid') return { invoice, paid: true };
  const paymentMethod = subscription.default_payment_method ?? customer.invoice_settings.default_payment_method;
  if (!paymentMethod) return { invoice, paid: false };
  try {
    payInvoice(context, invoice, { paymentMethod }, request);
    return { invoice, paid: true };
  } catch (error) {
    if (error instanceof StripeApiError && error.status === 402) return { invoice, paid: false };
    throw error;
  }
}
