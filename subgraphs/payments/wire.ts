/**
 * Stripe's objects as this subgraph reads them: the fields it uses. The SDK's own types are supersets of them,
 * so tests can build fixtures without the hundreds of fields a full Stripe object has.
 */
export type StripeMetadata = Record<string, string>;
export type StripeList<T> = { data: T[]; has_more: boolean };
/** An expandable reference: the id, or the object when expanded. */
export type Ref = string | { id: string };

export type StripePaymentMethod = {
  id: string;
  type: string;
  card?: { brand: string; last4: string; exp_month: number; exp_year: number } | null;
};

export type StripeAddress = {
  line1?: string | null;
  line2?: string | null;
  city?: string | null;
  postal_code?: string | null;
  state?: string | null;
  country?: string | null;
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
  address?: StripeAddress | null;
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
  payment_method_details: {
    type: string;
    card?: { brand: string | null; last4: string | null; exp_month: number; exp_year: number } | null;
  } | null;
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
