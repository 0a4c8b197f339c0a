/** Stripe's `metadata`: string keys to string values. */
export type Metadata = Record<string, string>;

/** Anything the emulator stores and serves: every Stripe object has these, the rest is per type. */
export type StripeObject = {
  id: string;
  object: string;
  created: number;
  [field: string]: unknown;
};

/** A list envelope as it appears inside objects (`subscription.items`, `invoice.lines`) and as list responses. */
export type ListObject<T = unknown> = {
  object: 'list';
  url: string;
  has_more: boolean;
  data: T[];
  total_count?: number;
};

export type SearchResult<T = unknown> = {
  object: 'search_result';
  url: string;
  has_more: boolean;
  data: T[];
  next_page: string | null;
  total_count?: number;
};

export type CustomerAddress = {
  line1: string | null;
  line2: string | null;
  city: string | null;
  postal_code: string | null;
  state: string | null;
  country: string | null;
};

export type Customer = StripeObject & {
  object: 'customer';
  email: string | null;
  name: string | null;
  phone: string | null;
  address: CustomerAddress | null;
  balance: number;
  currency: string | null;
  metadata: Metadata;
  invoice_prefix: string;
  next_invoice_sequence: number;
  invoice_settings: { default_payment_method: string | null; [field: string]: unknown };
};

export type PaymentIntentStatus =
  'requires_payment_method' | 'requires_confirmation' | 'requires_action' | 'processing' | 'requires_capture' | 'canceled' | 'succeeded';

export type LastPaymentError = {
  type: 'card_error';
  code: string;
  decline_code: string;
  message: string;
  charge: string;
  payment_method: StripeObject | null;
  doc_url?: string;
};

export type PaymentIntent = StripeObject & {
  object: 'payment_intent';
  amount: number;
  amount_capturable: number;
  amount_received: number;
  currency: string;
  customer: string | null;
  capture_method: 'automatic' | 'automatic_async' | 'manual';
  automatic_payment_methods: { enabled: boolean; allow_redirects: 'always' | 'never' } | null;
  payment_method_types: string[];
  status: PaymentIntentStatus;
  payment_method: string | null;
  latest_charge: string | null;
  last_payment_error: LastPaymentError | null;
  canceled_at: number | null;
  cancellation_reason: string | null;
  description: string | null;
  metadata: Metadata;
};

export type Charge = StripeObject & {
  object: 'charge';
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  captured: boolean;
  currency: string;
  customer: string | null;
  payment_intent: string | null;
  payment_method: string | null;
  status: 'succeeded' | 'pending' | 'failed';
  paid: boolean;
  refunded: boolean;
  disputed: boolean;
  failure_code: string | null;
  failure_message: string | null;
  metadata: Metadata;
};

export type Refund = StripeObject & {
  object: 'refund';
  amount: number;
  charge: string;
  payment_intent: string | null;
  currency: string;
  status: 'pending' | 'requires_action' | 'succeeded' | 'failed' | 'canceled';
  metadata: Metadata;
};

export type InvoiceStatus = 'draft' | 'open' | 'paid' | 'uncollectible' | 'void';

export type InvoiceLineItem = StripeObject & { object: 'line_item'; amount: number; invoice: string };

export type Invoice = StripeObject & {
  object: 'invoice';
  customer: string;
  currency: string;
  status: InvoiceStatus;
  number: string | null;
  amount_due: number;
  amount_paid: number;
  amount_remaining: number;
  subtotal: number;
  total: number;
  attempt_count: number;
  attempted: boolean;
  collection_method: 'charge_automatically' | 'send_invoice';
  parent: { type: 'subscription_details'; subscription_details: { subscription: string; metadata: Metadata | null } } | null;
  lines: ListObject<InvoiceLineItem>;
  status_transitions: {
    finalized_at: number | null;
    marked_uncollectible_at: number | null;
    paid_at: number | null;
    voided_at: number | null;
  };
  metadata: Metadata;
};

/** Not served on its own route: listed through `expand[]=payments` on an invoice. */
export type InvoicePayment = StripeObject & {
  object: 'invoice_payment';
  invoice: string;
  amount_paid: number | null;
  amount_requested: number;
  payment: { type: 'payment_intent'; payment_intent: string };
  status: 'open' | 'paid' | 'canceled';
  status_transitions: { canceled_at: number | null; paid_at: number | null };
};

export type Price = StripeObject & {
  object: 'price';
  currency: string;
  unit_amount: number;
  product: string;
  recurring: { interval: 'month' | 'year'; interval_count: number; [field: string]: unknown } | null;
};

export type SubscriptionItem = StripeObject & {
  object: 'subscription_item';
  subscription: string;
  price: Price;
  quantity: number;
  current_period_start: number;
  current_period_end: number;
  metadata: Metadata;
};

export type SubscriptionStatus =
  'active' | 'trialing' | 'past_due' | 'unpaid' | 'canceled' | 'incomplete' | 'incomplete_expired' | 'paused';

export type Subscription = StripeObject & {
  object: 'subscription';
  customer: string;
  currency: string;
  status: SubscriptionStatus;
  items: ListObject<SubscriptionItem>;
  latest_invoice: string | null;
  pause_collection: { behavior: string; resumes_at: number | null } | null;
  cancel_at_period_end: boolean;
  canceled_at: number | null;
  ended_at: number | null;
  default_payment_method: string | null;
  metadata: Metadata;
};

export type StripeEvent = StripeObject & {
  object: 'event';
  type: string;
  api_version: string;
  data: { object: StripeObject; previous_attributes?: Record<string, unknown> };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
};
