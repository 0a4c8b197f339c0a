import { seedPeople, type Person } from '../shared/people.js';
import { createRandom, type Random } from '../shared/random.js';
import type { IdGenerator } from './ids.js';
import {
  addInvoiceLine,
  buildCharge,
  buildCustomer,
  buildInvoice,
  buildInvoicePayment,
  buildLastPaymentError,
  buildPaymentIntent,
  buildPaymentMethod,
  buildPrice,
  buildProduct,
  buildRefund,
  buildSubscription,
  buildSubscriptionItem,
} from './objects.js';
import { DECLINING_CARDS } from './payments.js';
import { periodEnd } from './periods.js';
import type { PaymentMethod, Store } from './store.js';
import type { Customer, Invoice, InvoiceStatus, Price, Subscription } from './types.js';

/**
 * The seed's "now": every seeded timestamp lies before it. Fixed (not the clock) so the data never changes
 * with the day the tests run.
 */
export const SEED_NOW = Date.UTC(2026, 5, 1) / 1000;
const DAY = 86_400;
const CATALOG_CREATED = Date.UTC(2024, 11, 1) / 1000;

const PLANS = [
  { name: 'Starter', month: 900, year: 9_000 },
  { name: 'Team', month: 2_900, year: 29_000 },
  { name: 'Business', month: 9_900, year: 99_000 },
] as const;

/** What the seed made, for tests and the admin summary. */
export type SeedSummary = Record<
  'customers' | 'payment_intents' | 'charges' | 'refunds' | 'invoices' | 'subscriptions' | 'prices' | 'products',
  number
>;

function currencyFor(person: Person): string {
  if (person.country === 'GB') return 'gbp';
  return ['US', 'CA', 'JP', 'AU'].includes(person.country) ? 'usd' : 'eur';
}

function weighted<T>(random: Random, choices: ReadonlyArray<readonly [T, number]>): T {
  let roll = random.next() * choices.reduce((sum, [, weight]) => sum + weight, 0);
  for (const [value, weight] of choices) {
    roll -= weight;
    if (roll < 0) return value;
  }
  return choices[choices.length - 1]![0];
}

function between(random: Random, from: number, to: number): number {
  return to <= from ? from : random.int(from, to);
}

/** Fills the store from the shared people list: a customer for every person in Stripe, with a history each. */
export function seedStore(store: Store, newId: IdGenerator, seed: number): SeedSummary {
  const random = createRandom(seed * 31 + 7);
  const prices = seedCatalog(store, newId);

  for (const person of seedPeople(seed)) {
    if (!person.inStripe) continue;
    const created = Math.floor(person.createdAt / 1000);
    const id = newId('cus');
    const currency = currencyFor(person);
    const isVisa = random.chance(0.8);
    const method = store.payment_methods.insert(
      buildPaymentMethod({
        id: newId('pm'),
        created,
        customer: id,
        brand: isVisa ? 'visa' : 'mastercard',
        last4: isVisa ? '4242' : '4444',
        number: isVisa ? '4242424242424242' : '5555555555554444',
        expYear: random.int(2027, 2031),
      }),
    );
    const customer = store.customers.insert(
      buildCustomer({
        id,
        created,
        email: person.email,
        name: `${person.firstName} ${person.lastName}`,
        phone: person.phone,
        currency,
        balance: random.chance(0.15) ? -random.int(5, 200) * 100 : 0,
        metadata: {
          segment: weighted(random, [
            ['smb', 6],
            ['mid_market', 3],
            ['enterprise', 1],
          ] as const),
        },
        defaultPaymentMethod: method.id,
        invoicePrefix: id.slice(4, 12).toUpperCase(),
      }),
    );
    const subscriptions = seedSubscriptions(store, newId, random, customer, method, prices[currency]!);
    seedInvoices(store, newId, random, customer, method, subscriptions);
    seedPaymentIntents(store, newId, random, customer, method);
  }

  return {
    customers: store.customers.size,
    payment_intents: store.payment_intents.size,
    charges: store.charges.size,
    refunds: store.refunds.size,
    invoices: store.invoices.size,
    subscriptions: store.subscriptions.size,
    prices: store.prices.size,
    products: store.products.size,
  };
}

function seedCatalog(store: Store, newId: IdGenerator): Record<string, Price[]> {
  const byCurrency: Record<string, Price[]> = { usd: [], eur: [], gbp: [] };
  for (const plan of PLANS) {
    const product = store.products.insert(buildProduct({ id: newId('prod'), created: CATALOG_CREATED, name: plan.name }));
    for (const currency of Object.keys(byCurrency)) {
      for (const interval of ['month', 'year'] as const) {
        byCurrency[currency]!.push(
          store.prices.insert(
            buildPrice({
              id: newId('price'),
              created: CATALOG_CREATED,
              product: product.id,
              currency,
              unitAmount: plan[interval],
              interval,
              nickname: `${plan.name} (${interval}ly)`,
            }),
          ),
        );
      }
    }
  }
  return byCurrency;
}

function seedSubscriptions(
  store: Store,
  newId: IdGenerator,
  random: Random,
  customer: Customer,
  method: PaymentMethod,
  prices: Price[],
): Subscription[] {
  const count = weighted(random, [
    [0, 4],
    [1, 4.5],
    [2, 1.5],
  ] as const);
  const made: Subscription[] = [];
  for (let n = 0; n < count; n++) {
    const status = weighted(random, [
      ['active', 5],
      ['trialing', 1],
      ['past_due', 1],
      ['canceled', 2],
      ['paused', 1],
    ] as const);
    const created = status === 'trialing' ? SEED_NOW - random.int(1, 13) * DAY : between(random, customer.created, SEED_NOW - 45 * DAY);
    const id = newId('sub');
    const first = random.pick(prices);
    const chosen = random.chance(0.25)
      ? [first, ...prices.filter((p) => p.product !== first.product && p.recurring?.interval === first.recurring?.interval).slice(0, 1)]
      : [first];
    // The current period is the one that contains the seed's now, or the one in which the subscription ended.
    const endedAt = status === 'canceled' ? between(random, created + DAY, SEED_NOW - DAY) : null;
    const until = endedAt ?? SEED_NOW;
    const items = chosen.map((price) => {
      let start = created;
      let end = periodEnd(start, price.recurring!.interval);
      if (status === 'trialing') end = created + 14 * DAY;
      else while (end <= until) [start, end] = [end, periodEnd(end, price.recurring!.interval)];
      return buildSubscriptionItem({
        id: newId('si'),
        created,
        subscription: id,
        price,
        quantity: random.int(1, 5),
        periodStart: start,
        periodEnd: end,
      });
    });
    const subscription = store.subscriptions.insert(
      buildSubscription({
        id,
        created,
        customer: customer.id,
        currency: first.currency,
        status,
        items,
        defaultPaymentMethod: random.chance(0.3) ? method.id : null,
        metadata: random.chance(0.5) ? { plan: first.nickname as string } : {},
        trialStart: status === 'trialing' ? created : null,
        trialEnd: status === 'trialing' ? created + 14 * DAY : null,
      }),
    );
    if (endedAt !== null) {
      subscription.canceled_at = endedAt;
      subscription.ended_at = endedAt;
      subscription.cancellation_details = {
        comment: null,
        feedback: random.pick(['too_expensive', 'unused', null]),
        reason: 'cancellation_requested',
      };
    }
    if (status === 'paused') subscription.pause_collection = null;
    made.push(subscription);
  }
  return made;
}

function seedInvoices(
  store: Store,
  newId: IdGenerator,
  random: Random,
  customer: Customer,
  method: PaymentMethod,
  subscriptions: Subscription[],
): void {
  const count = random.int(1, 8);
  const times = Array.from({ length: count }, () => between(random, customer.created, SEED_NOW - DAY)).sort((a, b) => a - b);
  for (const created of times) {
    const subscription = subscriptions.length > 0 && random.chance(0.6) ? random.pick(subscriptions) : null;
    const status = weighted<InvoiceStatus>(random, [
      ['paid', 55],
      ['open', 15],
      ['void', 10],
      ['draft', 10],
      ['uncollectible', 10],
    ]);
    const invoice = store.invoices.insert(
      buildInvoice({
        id: newId('in'),
        created,
        customer,
        currency: subscription?.currency ?? customer.currency ?? 'usd',
        subscription,
        periodStart: created - 30 * DAY,
        periodEnd: created,
      }),
    );
    if (subscription) {
      for (const item of subscription.items.data) {
        addInvoiceLine(invoice, {
          id: newId('il'),
          amount: item.price.unit_amount * item.quantity,
          description: `${item.quantity} × ${String(item.price.nickname)}`,
          quantity: item.quantity,
          subscriptionItem: item,
          periodStart: created,
          periodEnd: periodEnd(created, item.price.recurring!.interval),
        });
      }
      subscription.latest_invoice = invoice.id;
    } else {
      for (let line = random.int(1, 3); line > 0; line--) {
        addInvoiceLine(invoice, {
          id: newId('il'),
          amount: random.int(10, 500) * 100,
          description: random.pick(['Consulting hours', 'Onboarding', 'Hardware', 'Support plan', 'Training']),
        });
      }
    }
    if (status !== 'draft') {
      invoice.number = `${customer.invoice_prefix}-${String(customer.next_invoice_sequence++).padStart(4, '0')}`;
      invoice.status_transitions.finalized_at = created + 3600;
      invoice.effective_at = created + 3600;
    }
    invoice.status = status;
    if (status === 'paid') {
      const paidAt = created + 7200;
      const intent = store.payment_intents.insert(
        buildPaymentIntent({
          id: newId('pi'),
          created: paidAt,
          amount: invoice.amount_due,
          currency: invoice.currency,
          customer: customer.id,
          paymentMethod: method.id,
          captureMethod: 'automatic',
          description: `Payment for Invoice ${invoice.number}`,
        }),
      );
      succeed(store, newId, intent, method);
      store.invoice_payments.insert(
        buildInvoicePayment({ id: newId('inpay'), created: paidAt, invoice, paymentIntent: intent.id, paid: true }),
      );
      invoice.amount_paid = invoice.amount_due;
      invoice.amount_remaining = 0;
      invoice.attempt_count = 1;
      invoice.attempted = true;
      invoice.status_transitions.paid_at = paidAt;
    } else if (status === 'void') {
      invoice.status_transitions.voided_at = created + 5 * DAY;
    } else if (status === 'uncollectible') {
      invoice.attempt_count = 4;
      invoice.attempted = true;
      invoice.status_transitions.marked_uncollectible_at = created + 20 * DAY;
    }
  }
}

function succeed(store: Store, newId: IdGenerator, intent: ReturnType<typeof buildPaymentIntent>, method: PaymentMethod) {
  const charge = store.charges.insert(buildCharge({ id: newId('ch'), created: intent.created, intent, method, captured: true }));
  intent.status = 'succeeded';
  intent.amount_received = intent.amount;
  intent.latest_charge = charge.id;
  return charge;
}

function seedPaymentIntents(store: Store, newId: IdGenerator, random: Random, customer: Customer, method: PaymentMethod): void {
  for (let n = random.int(1, 4); n > 0; n--) {
    const created = between(random, customer.created, SEED_NOW - DAY);
    const status = weighted(random, [
      ['succeeded', 80],
      ['requires_payment_method', 8],
      ['canceled', 12],
    ] as const);
    const intent = store.payment_intents.insert(
      buildPaymentIntent({
        id: newId('pi'),
        created,
        amount: random.int(5, 500) * 100,
        currency: customer.currency ?? 'usd',
        customer: customer.id,
        paymentMethod: status === 'succeeded' ? method.id : null,
        captureMethod: 'automatic',
        description: random.pick(['Order', 'Top-up', 'Add-on purchase', 'Renewal']),
        metadata: random.chance(0.3) ? { order_id: `ord_${random.int(10_000, 99_999)}` } : {},
        status: status === 'succeeded' ? 'requires_confirmation' : status,
      }),
    );
    if (status === 'succeeded') {
      const charge = succeed(store, newId, intent, method);
      if (random.chance(0.15)) {
        const amount = random.chance(0.5) ? charge.amount : Math.max(100, Math.floor(charge.amount / 2 / 100) * 100);
        store.refunds.insert(
          buildRefund({ id: newId('re'), created: created + random.int(1, 20) * DAY, charge, amount, reason: 'requested_by_customer' }),
        );
        charge.amount_refunded = amount;
        charge.refunded = amount === charge.amount_captured;
      }
    } else if (status === 'canceled') {
      intent.canceled_at = created + 3600;
      intent.cancellation_reason = 'abandoned';
    } else if (random.chance(0.5)) {
      // A failed attempt: the declined charge stays on record and on the intent.
      const failure = DECLINING_CARDS['4000000000000002']!;
      const declined = buildPaymentMethod({
        id: newId('pm'),
        created,
        customer: customer.id,
        brand: 'visa',
        last4: '0002',
        number: '4000000000000002',
      });
      store.payment_methods.insert(declined);
      const charge = store.charges.insert(buildCharge({ id: newId('ch'), created, intent, method: declined, captured: true, failure }));
      intent.latest_charge = charge.id;
      intent.last_payment_error = buildLastPaymentError(charge, declined, failure);
    }
  }
}
