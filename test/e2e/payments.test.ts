import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MAX_SEARCH_CLAUSES, type Charge, type Customer as StripeCustomer } from '../../emulators/stripe/index.js';
import { startTestStack, type TestStack } from '../kit/stack.js';

let stack: TestStack;
const stripe = () => stack.emulators.stripe!;
const requests = () => stripe().requests;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack.close());
beforeEach(() => requests().clear());

const stripeCustomerByEmail = (email: string): StripeCustomer | undefined =>
  stripe()
    .store.customers.all()
    .find((customer) => customer.email?.toLowerCase() === email.toLowerCase());

/** A captured charge nothing has been refunded from yet (each test takes a different one). */
function refundableCharge(skip: number): Charge {
  const charges = stripe()
    .store.charges.all()
    .filter((charge) => charge.status === 'succeeded' && charge.captured && charge.amount_refunded === 0);
  return charges[skip]!;
}

type BillingNode = {
  id: string;
  currency: string | null;
  balance: { amount: number; currency: string } | null;
  defaultPaymentMethod: { id: string; brand: string; last4: string } | null;
  invoices: {
    nodes: Array<{
      id: string;
      number: string | null;
      status: string;
      total: { amount: number; currency: string };
      lines: Array<{ id: string }>;
    }>;
    pageInfo: { hasNextPage: boolean };
  };
  subscriptions: { nodes: Array<{ id: string; status: string; items: Array<{ priceId: string }> }> };
};

describe('billing on CRM customers, through the gateway', () => {
  it('returns 50 customers with billing and last invoices in at most ceil(50 / clause limit) Stripe requests per list', async () => {
    const result = await stack.query<{ customers: { nodes: Array<{ id: string; email: string | null; billing: BillingNode | null }> } }>(`{
      customers(first: 50) {
        nodes {
          id email
          billing {
            id currency balance { amount currency } defaultPaymentMethod { id brand last4 }
            invoices(first: 3) { nodes { id number status total { amount currency } lines { id } } pageInfo { hasNextPage } }
            subscriptions { nodes { id status items { priceId } } }
          }
        }
      }
    }`);
    expect(result.errors).toBeUndefined();
    const customers = result.data!.customers.nodes;
    expect(customers).toHaveLength(50);

    const perList = Math.ceil(50 / MAX_SEARCH_CLAUSES);
    expect(requests().count({ path: '/v1/customers/search' })).toBeLessThanOrEqual(perList);
    expect(requests().count({ path: '/v1/invoices/search' })).toBeLessThanOrEqual(perList);
    // Subscriptions came expanded on the customers: nothing else was asked of Stripe.
    expect(requests().count()).toBe(requests().count({ path: '/v1/customers/search' }) + requests().count({ path: '/v1/invoices/search' }));

    const store = stripe().store;
    let withBilling = 0;
    for (const customer of customers) {
      const stripeCustomer = customer.email ? stripeCustomerByEmail(customer.email) : undefined;
      if (!stripeCustomer) {
        expect(customer.billing).toBeNull();
        continue;
      }
      withBilling++;
      const billing = customer.billing!;
      expect(billing.id).toBe(stripeCustomer.id);
      expect(billing.balance).toEqual({ amount: stripeCustomer.balance, currency: stripeCustomer.currency!.toUpperCase() });
      expect(billing.defaultPaymentMethod?.id).toBe(stripeCustomer.invoice_settings.default_payment_method);
      const invoices = store.invoices.all().filter((invoice) => invoice.customer === stripeCustomer.id);
      expect(billing.invoices.nodes.map((invoice) => invoice.id)).toEqual(invoices.slice(0, 3).map((invoice) => invoice.id));
      expect(billing.invoices.pageInfo.hasNextPage).toBe(invoices.length > 3);
      expect(billing.invoices.nodes[0]?.lines.length).toBe(invoices[0]?.lines.data.length);
      const current = store.subscriptions.all().filter((s) => s.customer === stripeCustomer.id && s.status !== 'canceled');
      expect(billing.subscriptions.nodes.map((s) => s.id)).toEqual(current.map((s) => s.id));
    }
    // The seed puts about four in five people in Stripe: both cases are exercised.
    expect(withBilling).toBeGreaterThan(25);
    expect(withBilling).toBeLessThan(50);
  });

  it('batches payment intents and charges the same way, with refunds embedded', async () => {
    const result = await stack.query<{
      customers: {
        nodes: Array<{
          billing: {
            id: string;
            paymentIntents: { nodes: Array<{ id: string; status: string }> };
            charges: { nodes: Array<{ id: string; refunds: Array<{ id: string }> }> };
          } | null;
        }>;
      };
    }>(`{
      customers(first: 50) {
        nodes { billing { id paymentIntents(first: 2) { nodes { id status } } charges(first: 2) { nodes { id refunds { id amount { amount } } } } } }
      }
    }`);
    expect(result.errors).toBeUndefined();
    const perList = Math.ceil(50 / MAX_SEARCH_CLAUSES);
    // A batch whose rows do not fit one page of 100 follows next_page; with the seeded data every batch fits one.
    expect(requests().count({ path: '/v1/payment_intents/search' })).toBeLessThanOrEqual(perList);
    expect(requests().count({ path: '/v1/charges/search' })).toBeLessThanOrEqual(perList);
    const store = stripe().store;
    for (const node of result.data!.customers.nodes) {
      if (!node.billing) continue;
      const intents = store.payment_intents.all().filter((intent) => intent.customer === node.billing!.id);
      expect(node.billing.paymentIntents.nodes.map((intent) => intent.id)).toEqual(intents.slice(0, 2).map((intent) => intent.id));
      for (const charge of node.billing.charges.nodes) {
        expect(charge.refunds.map((refund) => refund.id)).toEqual(
          store.refunds
            .all()
            .filter((refund) => refund.charge === charge.id)
            .map((refund) => refund.id),
        );
      }
    }
  });

  it('filters lists by status and date, and pages through a customer list with after', async () => {
    const store = stripe().store;
    // A customer with several paid invoices, so that a page of two has a next one.
    const customer = store.customers
      .all()
      .find((c) => store.invoices.all().filter((i) => i.customer === c.id && i.status === 'paid').length >= 4)!;
    const paid = store.invoices.all().filter((invoice) => invoice.customer === customer.id && invoice.status === 'paid');
    const query = `query($email: EmailAddress!, $after: String, $since: DateTime) {
      customerByEmail(email: $email) {
        billing {
          invoices(first: 2, after: $after, filter: { status: [PAID], createdAfter: $since }) { edges { cursor node { id status } } pageInfo { hasNextPage endCursor } }
        }
      }
    }`;
    type Page = {
      customerByEmail: {
        billing: {
          invoices: {
            edges: Array<{ cursor: string; node: { id: string; status: string } }>;
            pageInfo: { hasNextPage: boolean; endCursor: string };
          };
        };
      };
    };
    const first = await stack.query<Page>(query, { email: customer.email });
    expect(first.errors).toBeUndefined();
    const page1 = first.data!.customerByEmail.billing.invoices;
    expect(page1.edges.map((edge) => edge.node.id)).toEqual(paid.slice(0, 2).map((invoice) => invoice.id));
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const second = await stack.query<Page>(query, { email: customer.email, after: page1.pageInfo.endCursor });
    expect(second.data!.customerByEmail.billing.invoices.edges.map((edge) => edge.node.id)).toEqual(
      paid.slice(2, 4).map((invoice) => invoice.id),
    );

    // A date bound: only invoices created at or after the second-newest paid one.
    const since = new Date(paid[1]!.created * 1000).toISOString();
    const dated = await stack.query<Page>(query, { email: customer.email, since });
    expect(dated.data!.customerByEmail.billing.invoices.edges.map((edge) => edge.node.id)).toEqual(
      paid
        .filter((invoice) => invoice.created >= paid[1]!.created)
        .slice(0, 2)
        .map((invoice) => invoice.id),
    );
    // One customer alone: the filter went into Stripe's query.
    const searches = requests().list({ path: '/v1/invoices/search' });
    expect(String(searches[0]!.query.query)).toBe(`customer:"${customer.id}" AND status:"paid"`);
  });

  it('refuses positions beyond the newest 100 rows, naming the argument', async () => {
    const email = stripe().store.customers.all()[0]!.email;
    const result = await stack.query(
      'query($email: EmailAddress!) { customerByEmail(email: $email) { billing { invoices(first: 101) { nodes { id } } } } }',
      { email },
    );
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
  });

  it('gives billing: null, not an error, to a customer with no Stripe record', async () => {
    const contacts = [...stack.emulators.hubspot!.store.all('contacts')];
    const outside = contacts.find((contact) => contact.properties.email && !stripeCustomerByEmail(contact.properties.email))!;
    const result = await stack.query<{ customerByEmail: { id: string; billing: null } }>(
      'query($email: EmailAddress!) { customerByEmail(email: $email) { id billing { id } } }',
      { email: outside.properties.email },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data!.customerByEmail).toEqual({ id: outside.id, billing: null });
  });

  it('shows canceled subscriptions only when asked, listing them per customer', async () => {
    const store = stripe().store;
    const canceled = store.subscriptions.all().find((s) => s.status === 'canceled')!;
    const customer = store.customers.get(canceled.customer)!;
    const result = await stack.query<{
      customerByEmail: {
        billing: { current: { nodes: Array<{ id: string }> }; ended: { nodes: Array<{ id: string; status: string; canceledAt: string }> } };
      };
    }>(
      `query($email: EmailAddress!) { customerByEmail(email: $email) { billing {
        current: subscriptions { nodes { id } }
        ended: subscriptions(filter: { status: [CANCELED] }) { nodes { id status canceledAt } }
      } } }`,
      { email: customer.email },
    );
    expect(result.errors).toBeUndefined();
    const billing = result.data!.customerByEmail.billing;
    expect(billing.current.nodes.map((s) => s.id)).not.toContain(canceled.id);
    expect(billing.ended.nodes.map((s) => s.id)).toContain(canceled.id);
    expect(billing.ended.nodes.every((s) => s.status === 'CANCELED' && s.canceledAt)).toBe(true);
    expect(requests().count({ path: '/v1/subscriptions' })).toBe(1);
  });
});

describe('payment mutations', () => {
  const REFUND = `mutation($input: RefundChargeInput!) { refundCharge(input: $input) { refund { id amount { amount currency } status chargeId } idempotencyKey replayed } }`;
  type RefundResult = {
    refundCharge: {
      refund: { id: string; amount: { amount: number }; status: string; chargeId: string };
      idempotencyKey: string;
      replayed: boolean;
    } | null;
  };

  it('refunds once when a refund is retried with the same key', async () => {
    const charge = refundableCharge(0);
    const input = { chargeId: charge.id, amount: 100, reason: 'REQUESTED_BY_CUSTOMER', idempotencyKey: 'refund-retry-1' };
    const first = await stack.query<RefundResult>(REFUND, { input });
    const again = await stack.query<RefundResult>(REFUND, { input });
    expect(first.errors).toBeUndefined();
    expect(first.data!.refundCharge).toMatchObject({
      refund: { amount: { amount: 100 }, status: 'SUCCEEDED', chargeId: charge.id },
      replayed: false,
    });
    expect(again.data!.refundCharge).toMatchObject({ refund: { id: first.data!.refundCharge!.refund.id }, replayed: true });
    expect(
      stripe()
        .store.refunds.all()
        .filter((refund) => refund.charge === charge.id),
    ).toHaveLength(1);
    expect(stripe().store.charges.get(charge.id)!.amount_refunded).toBe(100);
  });

  it('derives a key from the input when the caller gives none, so a retried full refund refunds once', async () => {
    const charge = refundableCharge(1);
    const input = { chargeId: charge.id };
    const first = await stack.query<RefundResult>(REFUND, { input });
    const again = await stack.query<RefundResult>(REFUND, { input });
    expect(first.data!.refundCharge!.refund.amount.amount).toBe(charge.amount);
    expect(again.data!.refundCharge).toMatchObject({ refund: { id: first.data!.refundCharge!.refund.id }, replayed: true });
    expect(first.data!.refundCharge!.idempotencyKey).toMatch(/^ix:refundCharge:auto:/);
    expect(
      stripe()
        .store.refunds.all()
        .filter((refund) => refund.charge === charge.id),
    ).toHaveLength(1);
    // Every refund POST carried the key.
    expect(requests().count({ method: 'POST', path: '/v1/refunds' })).toBe(2);
  });

  it('answers a decline with PAYMENT_DECLINED and the decline code, keeping the rest of the response', async () => {
    const result = await stack.query<{
      paid: { paymentIntent: { id: string; status: string; amount: { formatted: string } } };
      declined: null;
    }>(`mutation {
      paid: createPaymentIntent(input: { amount: 1500, currency: "EUR", paymentMethod: "pm_card_visa", confirm: true, idempotencyKey: "decline-test-paid" }) {
        paymentIntent { id status amount { formatted } }
      }
      declined: createPaymentIntent(input: { amount: 2500, currency: "EUR", paymentMethod: "pm_card_chargeDeclinedInsufficientFunds", confirm: true, idempotencyKey: "decline-test-declined" }) {
        paymentIntent { id }
      }
    }`);
    expect(result.data!.paid.paymentIntent).toMatchObject({ status: 'SUCCEEDED', amount: { formatted: '€15.00' } });
    expect(result.data!.declined).toBeNull();
    expect(result.errors).toHaveLength(1);
    expect(result.errors![0]).toMatchObject({
      path: ['declined'],
      extensions: { code: 'PAYMENT_DECLINED', declineCode: 'insufficient_funds', upstream: 'stripe' },
    });
    const intentId = result.errors![0]!.extensions!.paymentIntentId as string;
    expect(stripe().store.payment_intents.get(intentId)?.status).toBe('requires_payment_method');
  });

  it('turns a bad Stripe parameter into BAD_USER_INPUT naming the input field', async () => {
    const zero = await stack.query('mutation { createPaymentIntent(input: { amount: 0, currency: "USD" }) { paymentIntent { id } } }');
    expect(zero.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.amount', upstream: 'stripe' });
    expect(requests().count({ method: 'POST', path: '/v1/payment_intents' })).toBe(1);

    const charge = refundableCharge(2);
    const tooMuch = await stack.query(REFUND, { input: { chargeId: charge.id, amount: charge.amount + 1 } });
    expect(tooMuch.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.amount' });

    const missing = await stack.query(REFUND, { input: { chargeId: 'ch_doesnotexist' } });
    expect(missing.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'input.chargeId' });

    const reused = await stack.query(REFUND, { input: { chargeId: charge.id, amount: 100, idempotencyKey: 'refund-retry-1' } });
    expect(reused.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', field: 'input.idempotencyKey' });
  });

  it('authorizes, captures part, and cancels payment intents', async () => {
    const customer = stripe().store.customers.all()[5]!;
    const create = `mutation($input: CreatePaymentIntentInput!) { createPaymentIntent(input: $input) { paymentIntent { id status customerId amountCapturable { amount } } } }`;
    const held = await stack.query<{
      createPaymentIntent: { paymentIntent: { id: string; status: string; customerId: string; amountCapturable: { amount: number } } };
    }>(create, {
      input: {
        amount: 5000,
        currency: 'USD',
        customerId: customer.id,
        paymentMethod: 'pm_card_visa',
        confirm: true,
        captureMethod: 'MANUAL',
        metadata: { order: 'A-1' },
      },
    });
    expect(held.errors).toBeUndefined();
    const intent = held.data!.createPaymentIntent.paymentIntent;
    expect(intent).toMatchObject({ status: 'REQUIRES_CAPTURE', customerId: customer.id, amountCapturable: { amount: 5000 } });

    const captured = await stack.query<{ capturePaymentIntent: { paymentIntent: { status: string; amountReceived: { amount: number } } } }>(
      `mutation($id: ID!) { capturePaymentIntent(input: { paymentIntentId: $id, amount: 3000 }) { paymentIntent { status amountReceived { amount } } } }`,
      { id: intent.id },
    );
    expect(captured.data!.capturePaymentIntent.paymentIntent).toEqual({ status: 'SUCCEEDED', amountReceived: { amount: 3000 } });

    const open = await stack.query<{ createPaymentIntent: { paymentIntent: { id: string } } }>(create, {
      input: { amount: 700, currency: 'USD' },
    });
    const canceled = await stack.query<{ cancelPaymentIntent: { paymentIntent: { status: string; cancellationReason: string } } }>(
      `mutation($id: ID!) { cancelPaymentIntent(input: { paymentIntentId: $id, reason: ABANDONED }) { paymentIntent { status cancellationReason } } }`,
      { id: open.data!.createPaymentIntent.paymentIntent.id },
    );
    expect(canceled.data!.cancelPaymentIntent.paymentIntent).toEqual({ status: 'CANCELED', cancellationReason: 'abandoned' });

    const again = await stack.query(
      `mutation($id: ID!) { capturePaymentIntent(input: { paymentIntentId: $id, idempotencyKey: "second-capture" }) { paymentIntent { id } } }`,
      { id: intent.id },
    );
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT' });
  });

  it('pauses and cancels subscriptions; a retried cancel answers with the canceled subscription', async () => {
    const store = stripe().store;
    const [first, second] = store.subscriptions.all().filter((s) => s.status === 'active');
    const pause = await stack.query<{ pauseSubscription: { subscription: { id: string; status: string } } }>(
      `mutation($id: ID!) { pauseSubscription(input: { subscriptionId: $id }) { subscription { id status } } }`,
      { id: first!.id },
    );
    expect(pause.data!.pauseSubscription.subscription).toEqual({ id: first!.id, status: 'PAUSED' });

    const cancel = `mutation($id: ID!) { cancelSubscription(input: { subscriptionId: $id }) { subscription { id status endedAt } replayed } }`;
    type Cancel = { cancelSubscription: { subscription: { id: string; status: string; endedAt: string }; replayed: boolean } };
    const canceled = await stack.query<Cancel>(cancel, { id: second!.id });
    expect(canceled.data!.cancelSubscription).toMatchObject({ subscription: { id: second!.id, status: 'CANCELED' }, replayed: false });
    const retried = await stack.query<Cancel>(cancel, { id: second!.id });
    expect(retried.errors).toBeUndefined();
    expect(retried.data!.cancelSubscription).toMatchObject({ subscription: { id: second!.id, status: 'CANCELED' }, replayed: true });

    const atEnd = store.subscriptions.all().find((s) => s.status === 'active' && s.id !== first!.id)!;
    const scheduled = await stack.query<{
      cancelSubscription: { subscription: { status: string; cancelAtPeriodEnd: boolean; cancelAt: string } };
    }>(
      `mutation($id: ID!) { cancelSubscription(input: { subscriptionId: $id, atPeriodEnd: true }) { subscription { status cancelAtPeriodEnd cancelAt } } }`,
      { id: atEnd.id },
    );
    expect(scheduled.data!.cancelSubscription.subscription).toMatchObject({ status: 'ACTIVE', cancelAtPeriodEnd: true });
    expect(scheduled.data!.cancelSubscription.subscription.cancelAt).toBeTruthy();
  });
});
