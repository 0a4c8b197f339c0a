import type { PaymentMethod, Product } from './store.js';
import type {
  Charge,
  Customer,
  Invoice,
  InvoiceLineItem,
  InvoicePayment,
  LastPaymentError,
  Metadata,
  PaymentIntent,
  Price,
  Refund,
  Subscription,
  SubscriptionItem,
} from './types.js';

/*
 * Builders for every object the emulator serves, with the fields of the SDK's pinned API version. Both the seed
 * and the routes build objects here, so a shape is written once.
 */

export function buildCustomer(f: {
  id: string;
  created: number;
  email: string | null;
  name: string | null;
  phone: string | null;
  balance?: number;
  currency?: string | null;
  metadata?: Metadata;
  description?: string | null;
  defaultPaymentMethod?: string | null;
  invoicePrefix: string;
  nextInvoiceSequence?: number;
}): Customer {
  return {
    id: f.id,
    object: 'customer',
    address: null,
    balance: f.balance ?? 0,
    created: f.created,
    currency: f.currency ?? null,
    default_source: null,
    delinquent: false,
    description: f.description ?? null,
    email: f.email,
    invoice_prefix: f.invoicePrefix,
    invoice_settings: {
      custom_fields: null,
      default_payment_method: f.defaultPaymentMethod ?? null,
      footer: null,
      rendering_options: null,
    },
    livemode: false,
    metadata: f.metadata ?? {},
    name: f.name,
    next_invoice_sequence: f.nextInvoiceSequence ?? 1,
    phone: f.phone,
    preferred_locales: [],
    shipping: null,
    tax_exempt: 'none',
    test_clock: null,
  };
}

export function buildPaymentMethod(f: {
  id: string;
  created: number;
  customer: string | null;
  brand: string;
  last4: string;
  number?: string;
  expYear?: number;
}): PaymentMethod {
  return {
    id: f.id,
    object: 'payment_method',
    allow_redisplay: 'unspecified',
    billing_details: { address: null, email: null, name: null, phone: null },
    card: {
      brand: f.brand,
      last4: f.last4,
      exp_month: 12,
      exp_year: f.expYear ?? 2030,
      funding: 'credit',
      country: 'US',
      ...(f.number ? { number: f.number } : {}),
    },
    created: f.created,
    customer: f.customer,
    livemode: false,
    metadata: {},
    type: 'card',
  };
}

/** The payment method as it is embedded in charges and errors: without the test-only card number. */
export function publicPaymentMethod(method: PaymentMethod): PaymentMethod {
  const { number: _number, ...card } = method.card;
  return { ...method, card };
}

export function buildPaymentIntent(f: {
  id: string;
  created: number;
  amount: number;
  currency: string;
  customer: string | null;
  captureMethod?: PaymentIntent['capture_method'];
  paymentMethod?: string | null;
  description?: string | null;
  metadata?: Metadata;
  status?: PaymentIntent['status'];
  receiptEmail?: string | null;
}): PaymentIntent {
  return {
    id: f.id,
    object: 'payment_intent',
    amount: f.amount,
    amount_capturable: 0,
    amount_details: { tip: {} },
    amount_received: 0,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: null,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: f.captureMethod ?? 'automatic_async',
    client_secret: `${f.id}_secret_emulator`,
    confirmation_method: 'automatic',
    created: f.created,
    currency: f.currency,
    customer: f.customer,
    description: f.description ?? null,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    metadata: f.metadata ?? {},
    next_action: null,
    on_behalf_of: null,
    payment_method: f.paymentMethod ?? null,
    payment_method_options: { card: { request_three_d_secure: 'automatic' } },
    payment_method_types: ['card'],
    processing: null,
    receipt_email: f.receiptEmail ?? null,
    review: null,
    setup_future_usage: null,
    shipping: null,
    source: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: f.status ?? (f.paymentMethod ? 'requires_confirmation' : 'requires_payment_method'),
    transfer_data: null,
    transfer_group: null,
  };
}

export function buildCharge(f: {
  id: string;
  created: number;
  intent: PaymentIntent;
  method: PaymentMethod;
  captured: boolean;
  failure?: { code: string; declineCode: string; message: string };
}): Charge {
  const failed = f.failure !== undefined;
  return {
    id: f.id,
    object: 'charge',
    amount: f.intent.amount,
    amount_captured: f.captured && !failed ? f.intent.amount : 0,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: null,
    billing_details: { address: null, email: null, name: null, phone: null },
    calculated_statement_descriptor: 'INTERCHANGE',
    captured: f.captured && !failed,
    created: f.created,
    currency: f.intent.currency,
    customer: f.intent.customer,
    description: f.intent.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: f.failure?.code ?? null,
    failure_message: f.failure?.message ?? null,
    fraud_details: {},
    livemode: false,
    metadata: { ...f.intent.metadata },
    on_behalf_of: null,
    outcome: failed
      ? {
          network_status: 'declined_by_network',
          reason: f.failure!.declineCode,
          risk_level: 'normal',
          seller_message: 'The bank did not return any further details with this decline.',
          type: 'issuer_declined',
        }
      : {
          network_status: 'approved_by_network',
          reason: null,
          risk_level: 'normal',
          seller_message: 'Payment complete.',
          type: 'authorized',
        },
    paid: !failed,
    payment_intent: f.intent.id,
    payment_method: f.method.id,
    payment_method_details: {
      type: 'card',
      card: {
        brand: f.method.card.brand,
        last4: f.method.card.last4,
        exp_month: f.method.card.exp_month,
        exp_year: f.method.card.exp_year,
        funding: f.method.card.funding,
        country: f.method.card.country,
      },
    },
    receipt_email: f.intent.receipt_email ?? null,
    receipt_number: null,
    receipt_url: null,
    refunded: false,
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: failed ? 'failed' : 'succeeded',
    transfer_data: null,
    transfer_group: null,
  };
}

export function buildLastPaymentError(
  charge: Charge,
  method: PaymentMethod,
  failure: { code: string; declineCode: string; message: string },
): LastPaymentError {
  return {
    type: 'card_error',
    code: failure.code,
    decline_code: failure.declineCode,
    message: failure.message,
    charge: charge.id,
    payment_method: publicPaymentMethod(method),
  };
}

export function buildRefund(f: {
  id: string;
  created: number;
  charge: Charge;
  amount: number;
  reason?: string | null;
  metadata?: Metadata;
}): Refund {
  return {
    id: f.id,
    object: 'refund',
    amount: f.amount,
    balance_transaction: null,
    charge: f.charge.id,
    created: f.created,
    currency: f.charge.currency,
    customer: f.charge.customer,
    destination_details: { type: 'card', card: { type: 'refund', reference_status: 'pending' } },
    metadata: f.metadata ?? {},
    payment_intent: f.charge.payment_intent,
    payment_method: f.charge.payment_method,
    reason: f.reason ?? null,
    receipt_number: null,
    source_transfer_reversal: null,
    status: 'succeeded',
    transfer_reversal: null,
  };
}

export function buildProduct(f: { id: string; created: number; name: string }): Product {
  return {
    id: f.id,
    object: 'product',
    active: true,
    created: f.created,
    description: null,
    livemode: false,
    metadata: {},
    name: f.name,
    type: 'service',
    updated: f.created,
  };
}

export function buildPrice(f: {
  id: string;
  created: number;
  product: string;
  currency: string;
  unitAmount: number;
  interval: 'month' | 'year';
  nickname?: string;
}): Price {
  return {
    id: f.id,
    object: 'price',
    active: true,
    billing_scheme: 'per_unit',
    created: f.created,
    currency: f.currency,
    custom_unit_amount: null,
    livemode: false,
    lookup_key: null,
    metadata: {},
    nickname: f.nickname ?? null,
    product: f.product,
    recurring: { interval: f.interval, interval_count: 1, meter: null, usage_type: 'licensed' },
    tax_behavior: 'unspecified',
    tiers_mode: null,
    transform_quantity: null,
    type: 'recurring',
    unit_amount: f.unitAmount,
    unit_amount_decimal: String(f.unitAmount),
  };
}

export function buildSubscriptionItem(f: {
  id: string;
  created: number;
  subscription: string;
  price: Price;
  quantity: number;
  periodStart: number;
  periodEnd: number;
}): SubscriptionItem {
  return {
    id: f.id,
    object: 'subscription_item',
    billing_thresholds: null,
    created: f.created,
    current_period_end: f.periodEnd,
    current_period_start: f.periodStart,
    discounts: [],
    metadata: {},
    price: f.price,
    quantity: f.quantity,
    subscription: f.subscription,
    tax_rates: [],
  };
}

export function buildSubscription(f: {
  id: string;
  created: number;
  customer: string;
  currency: string;
  status: Subscription['status'];
  items: SubscriptionItem[];
  defaultPaymentMethod?: string | null;
  metadata?: Metadata;
  trialStart?: number | null;
  trialEnd?: number | null;
}): Subscription {
  return {
    id: f.id,
    object: 'subscription',
    application: null,
    application_fee_percent: null,
    automatic_tax: { enabled: false, liability: null },
    billing_cycle_anchor: f.items[0]?.current_period_start ?? f.created,
    billing_mode: { type: 'flexible' },
    billing_thresholds: null,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: null,
    cancellation_details: { comment: null, feedback: null, reason: null },
    collection_method: 'charge_automatically',
    created: f.created,
    currency: f.currency,
    customer: f.customer,
    days_until_due: null,
    default_payment_method: f.defaultPaymentMethod ?? null,
    default_source: null,
    description: null,
    discounts: [],
    ended_at: null,
    invoice_settings: { account_tax_ids: null, issuer: { type: 'self' } },
    items: {
      object: 'list',
      data: f.items,
      has_more: false,
      total_count: f.items.length,
      url: `/v1/subscription_items?subscription=${f.id}`,
    },
    latest_invoice: null,
    livemode: false,
    metadata: f.metadata ?? {},
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: null,
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: f.created,
    status: f.status,
    test_clock: null,
    transfer_data: null,
    trial_end: f.trialEnd ?? null,
    trial_settings: { end_behavior: { missing_payment_method: 'create_invoice' } },
    trial_start: f.trialStart ?? null,
  };
}

export function buildInvoice(f: {
  id: string;
  created: number;
  customer: Customer;
  currency: string;
  subscription?: Subscription | null;
  collectionMethod?: Invoice['collection_method'];
  description?: string | null;
  metadata?: Metadata;
  periodStart?: number;
  periodEnd?: number;
}): Invoice {
  return {
    id: f.id,
    object: 'invoice',
    account_country: 'US',
    account_name: 'Interchange Emulated',
    amount_due: 0,
    amount_overpaid: 0,
    amount_paid: 0,
    amount_remaining: 0,
    amount_shipping: 0,
    application: null,
    attempt_count: 0,
    attempted: false,
    auto_advance: false,
    automatic_tax: { enabled: false, liability: null, status: null },
    automatically_finalizes_at: null,
    billing_reason: f.subscription ? 'subscription_cycle' : 'manual',
    collection_method: f.collectionMethod ?? 'charge_automatically',
    created: f.created,
    currency: f.currency,
    custom_fields: null,
    customer: f.customer.id,
    customer_address: null,
    customer_email: f.customer.email,
    customer_name: f.customer.name,
    customer_phone: f.customer.phone,
    customer_shipping: null,
    customer_tax_exempt: 'none',
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: f.description ?? null,
    discounts: [],
    due_date: null,
    effective_at: null,
    ending_balance: null,
    footer: null,
    from_invoice: null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    issuer: { type: 'self' },
    last_finalization_error: null,
    latest_revision: null,
    lines: { object: 'list', data: [], has_more: false, total_count: 0, url: `/v1/invoices/${f.id}/lines` },
    livemode: false,
    metadata: f.metadata ?? {},
    next_payment_attempt: null,
    number: null,
    on_behalf_of: null,
    parent: f.subscription
      ? {
          type: 'subscription_details',
          subscription_details: { subscription: f.subscription.id, metadata: { ...f.subscription.metadata } },
        }
      : null,
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    period_end: f.periodEnd ?? f.created,
    period_start: f.periodStart ?? f.created,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: 0,
    statement_descriptor: null,
    status: 'draft',
    status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null },
    subtotal: 0,
    subtotal_excluding_tax: 0,
    test_clock: null,
    total: 0,
    total_discount_amounts: [],
    total_excluding_tax: 0,
    total_pretax_credit_amounts: [],
    total_taxes: [],
    webhooks_delivered_at: null,
  };
}

/** Adds a line and keeps the invoice's totals in step with its lines. */
export function addInvoiceLine(
  invoice: Invoice,
  f: {
    id: string;
    amount: number;
    description: string;
    quantity?: number;
    subscriptionItem?: SubscriptionItem;
    periodStart?: number;
    periodEnd?: number;
  },
): InvoiceLineItem {
  const item = f.subscriptionItem;
  const line: InvoiceLineItem = {
    id: f.id,
    object: 'line_item',
    amount: f.amount,
    created: invoice.created,
    currency: invoice.currency,
    description: f.description,
    discount_amounts: [],
    discountable: true,
    discounts: [],
    invoice: invoice.id,
    livemode: false,
    metadata: {},
    parent: item
      ? {
          type: 'subscription_item_details',
          invoice_item_details: null,
          subscription_item_details: {
            invoice_item: null,
            proration: false,
            proration_details: { credited_items: null },
            subscription: item.subscription,
            subscription_item: item.id,
          },
        }
      : {
          type: 'invoice_item_details',
          subscription_item_details: null,
          invoice_item_details: {
            invoice_item: f.id.replace(/^il_/, 'ii_'),
            proration: false,
            proration_details: { credited_items: null },
            subscription: null,
          },
        },
    period: { start: f.periodStart ?? invoice.period_start, end: f.periodEnd ?? invoice.period_end },
    pretax_credit_amounts: [],
    pricing: item
      ? {
          type: 'price_details',
          price_details: { price: item.price.id, product: item.price.product },
          unit_amount_decimal: String(item.price.unit_amount),
        }
      : null,
    quantity: f.quantity ?? 1,
    subscription: item?.subscription ?? null,
    subtotal: f.amount,
    taxes: [],
  };
  invoice.lines.data.push(line);
  invoice.lines.total_count = invoice.lines.data.length;
  const total = invoice.lines.data.reduce((sum, each) => sum + each.amount, 0);
  invoice.subtotal = total;
  invoice.subtotal_excluding_tax = total;
  invoice.total = total;
  invoice.total_excluding_tax = total;
  invoice.amount_due = total;
  invoice.amount_remaining = total - invoice.amount_paid;
  return line;
}

export function buildInvoicePayment(f: {
  id: string;
  created: number;
  invoice: Invoice;
  paymentIntent: string;
  paid: boolean;
}): InvoicePayment {
  return {
    id: f.id,
    object: 'invoice_payment',
    amount_paid: f.paid ? f.invoice.amount_due : null,
    amount_requested: f.invoice.amount_due,
    created: f.created,
    currency: f.invoice.currency,
    invoice: f.invoice.id,
    is_default: true,
    livemode: false,
    payment: { type: 'payment_intent', payment_intent: f.paymentIntent },
    status: f.paid ? 'paid' : 'open',
    status_transitions: { canceled_at: null, paid_at: f.paid ? f.created : null },
  };
}
