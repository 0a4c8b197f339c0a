import type {
  Charge,
  Customer,
  Invoice,
  InvoicePayment,
  Metadata,
  PaymentIntent,
  Price,
  Refund,
  StripeEvent,
  StripeObject,
  Subscription,
} from './types.js';

/**
 * One resource's objects by id, plus the order every list and search walks: newest first, and within one second
 * the later-made first, so cursors (`starting_after`, search `page`) land on a unique, stable position and
 * objects made in the same second (an invoice's events) still list in the order they happened.
 */
export class Collection<T extends StripeObject> {
  private readonly byId = new Map<string, T>();
  /** Insertion order; ids are random, so they cannot break ties in a meaningful way. */
  private readonly sequence = new Map<string, number>();
  private nextSequence = 0;
  private ordered: T[] | undefined;

  constructor(
    /** The noun Stripe's "No such ..." messages use, e.g. `customer`, `PaymentIntent`. */
    readonly noun: string,
  ) {}

  insert(object: T): T {
    this.byId.set(object.id, object);
    if (!this.sequence.has(object.id)) this.sequence.set(object.id, this.nextSequence++);
    this.ordered = undefined;
    return object;
  }

  get(id: string): T | undefined {
    return this.byId.get(id);
  }

  delete(id: string): void {
    this.byId.delete(id);
    this.ordered = undefined;
  }

  get size(): number {
    return this.byId.size;
  }

  /** Where an object sits in the list order, as a value that survives the object's deletion. */
  position(object: T): SortPosition {
    return { created: object.created, sequence: this.sequence.get(object.id) ?? -1 };
  }

  /** Every object, newest first; `created` never changes, so the sort is cached until the next insert. */
  all(): readonly T[] {
    this.ordered ??= [...this.byId.values()].sort((a, b) => comparePositions(this.position(a), this.position(b)));
    return this.ordered;
  }
}

export type SortPosition = { created: number; sequence: number };

/** Negative when `a` lists before `b` (newer first). */
export function comparePositions(a: SortPosition, b: SortPosition): number {
  return a.created !== b.created ? b.created - a.created : b.sequence - a.sequence;
}

/** A pending or invoiced charge line (`POST /v1/invoiceitems`). */
export type InvoiceItem = StripeObject & {
  object: 'invoiceitem';
  amount: number;
  currency: string;
  customer: string;
  date: number;
  description: string | null;
  discountable: boolean;
  invoice: string | null;
  livemode: boolean;
  metadata: Metadata;
  period: { start: number; end: number };
  proration: boolean;
  quantity: number;
};

export type Product = StripeObject & { object: 'product'; name: string };
export type PaymentMethod = StripeObject & {
  object: 'payment_method';
  type: 'card';
  customer: string | null;
  card: {
    brand: string;
    last4: string;
    exp_month: number;
    exp_year: number;
    funding: string;
    country: string;
    /** Not a Stripe field: the test card number, kept so confirming knows whether the card declines. */
    number?: string;
  };
};

export type Store = ReturnType<typeof createStore>;

export function createStore() {
  return {
    customers: new Collection<Customer>('customer'),
    payment_intents: new Collection<PaymentIntent>('payment_intent'),
    charges: new Collection<Charge>('charge'),
    refunds: new Collection<Refund>('refund'),
    invoices: new Collection<Invoice>('invoice'),
    invoice_payments: new Collection<InvoicePayment>('invoice payment'),
    invoice_items: new Collection<InvoiceItem>('invoiceitem'),
    subscriptions: new Collection<Subscription>('subscription'),
    prices: new Collection<Price>('price'),
    products: new Collection<Product>('product'),
    payment_methods: new Collection<PaymentMethod>('PaymentMethod'),
    events: new Collection<StripeEvent>('event'),
    /** Deleted customers still answer retrieve with `{id, object, deleted: true}`. */
    deletedCustomers: new Set<string>(),
  };
}

const PREFIXES: Record<string, keyof Omit<Store, 'deletedCustomers'>> = {
  cus: 'customers',
  pi: 'payment_intents',
  ch: 'charges',
  re: 'refunds',
  in: 'invoices',
  inpay: 'invoice_payments',
  ii: 'invoice_items',
  sub: 'subscriptions',
  price: 'prices',
  prod: 'products',
  pm: 'payment_methods',
  evt: 'events',
};

/** Finds any stored object by its id's prefix; what `expand` uses to replace an id with its object. */
export function findById(store: Store, id: string): Record<string, unknown> | undefined {
  if (store.deletedCustomers.has(id)) return { id, object: 'customer', deleted: true };
  const underscore = id.lastIndexOf('_');
  if (underscore <= 0) return undefined;
  const collection = PREFIXES[id.slice(0, underscore)];
  return collection ? store[collection].get(id) : undefined;
}
