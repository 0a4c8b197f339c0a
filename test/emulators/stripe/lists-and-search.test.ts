import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Stripe from 'stripe';
import { seedPeople } from '../../../emulators/shared/people.js';
import { MAX_SEARCH_CLAUSES } from '../../../emulators/stripe/index.js';
import { startStripe, thrown, type StripeTestbed } from './testkit.js';

let bed: StripeTestbed;
let stripe: Stripe;
beforeAll(async () => {
  bed = await startStripe();
  stripe = bed.stripe;
});
afterAll(() => bed.close());

const stripePeople = seedPeople().filter((person) => person.inStripe);

describe('lists', () => {
  it('auto-pagination walks every seeded customer exactly once, newest first', async () => {
    const customers = await stripe.customers.list({ limit: 100 }).autoPagingToArray({ limit: 10_000 });
    expect(customers).toHaveLength(stripePeople.length);
    expect(new Set(customers.map((c) => c.id)).size).toBe(stripePeople.length);
    expect(new Set(customers.map((c) => c.email))).toEqual(new Set(stripePeople.map((p) => p.email)));
    const created = customers.map((c) => c.created);
    expect(created).toEqual([...created].sort((a, b) => b - a));
    expect(bed.emulator.requests.count({ method: 'GET', path: '/v1/customers' })).toBeGreaterThanOrEqual(
      Math.ceil(stripePeople.length / 100),
    );
  });

  it('pages forward with starting_after and back with ending_before to the same objects', async () => {
    const first = await stripe.customers.list({ limit: 5 });
    const second = await stripe.customers.list({ limit: 5, starting_after: first.data[4]!.id });
    const back = await stripe.customers.list({ limit: 5, ending_before: second.data[0]!.id });
    expect(first).toMatchObject({ object: 'list', url: '/v1/customers', has_more: true });
    expect(back.data.map((c) => c.id)).toEqual(first.data.map((c) => c.id));
    expect(back.has_more).toBe(false);
    const reversed: string[] = [];
    for await (const customer of stripe.customers.list({ limit: 3, ending_before: second.data[4]!.id })) {
      reversed.push(customer.id);
    }
    expect(reversed).toEqual([...first.data, ...second.data.slice(0, 4)].map((c) => c.id).reverse());
  });

  it('filters by customer, status and created range', async () => {
    const customer = (await stripe.customers.list({ limit: 1 })).data[0]!;
    const invoices = await stripe.invoices.list({ customer: customer.id, limit: 100 });
    expect(invoices.data.length).toBeGreaterThan(0);
    expect(invoices.data.every((i) => i.customer === customer.id)).toBe(true);
    const paid = await stripe.invoices.list({ status: 'paid', limit: 20 });
    expect(paid.data.map((i) => i.status)).toEqual(paid.data.map(() => 'paid'));
    const since = Date.UTC(2026, 3, 1) / 1000;
    const recent = await stripe.paymentIntents.list({ created: { gte: since }, limit: 100 });
    expect(recent.data.length).toBeGreaterThan(0);
    expect(recent.data.every((p) => p.created >= since)).toBe(true);
  });

  it('refuses a limit outside 1..100 and both cursors at once', async () => {
    const tooBig = await thrown(() => stripe.customers.list({ limit: 101 }));
    expect(tooBig).toMatchObject({ type: 'StripeInvalidRequestError', statusCode: 400, param: 'limit' });
    const both = await thrown(() => stripe.customers.list({ starting_after: 'cus_a', ending_before: 'cus_b' }));
    expect(both).toMatchObject({ type: 'StripeInvalidRequestError', statusCode: 400 });
    expect(both.message).toContain('starting_after, ending_before');
  });
});

describe('search', () => {
  it('finds customers by an OR of emails, the batch the payments subgraph sends', async () => {
    const emails = stripePeople.slice(0, MAX_SEARCH_CLAUSES).map((p) => p.email);
    const result = await stripe.customers.search({
      query: emails.map((email) => `email:"${email}"`).join(' OR '),
      limit: 100,
      expand: ['total_count'],
    });
    expect(result).toMatchObject({
      object: 'search_result',
      url: '/v1/customers/search',
      has_more: false,
      next_page: null,
      total_count: emails.length,
    });
    expect(new Set(result.data.map((c) => c.email))).toEqual(new Set(emails));
  });

  it('leaves total_count out unless expanded', async () => {
    const result = await stripe.customers.search({ query: 'metadata["segment"]:"enterprise"' });
    expect(result).not.toHaveProperty('total_count');
    expect(result.data.every((c) => c.metadata.segment === 'enterprise')).toBe(true);
  });

  it('pages with next_page through autoPagingToArray without repeats', async () => {
    const all = await stripe.customers.search({ query: 'metadata["segment"]:"enterprise"', limit: 7 }).autoPagingToArray({ limit: 10_000 });
    const expected = bed.emulator.store.customers.all().filter((c) => c.metadata.segment === 'enterprise');
    expect(all.map((c) => c.id)).toEqual(expected.map((c) => c.id));
    expect(expected.length).toBeGreaterThan(7);
  });

  it('combines AND, negation and numeric comparisons', async () => {
    const customer = bed.emulator.store.customers.all()[0]!;
    const result = await stripe.paymentIntents.search({
      query: `customer:"${customer.id}" AND amount>=1000 -status:"canceled"`,
      limit: 100,
    });
    const expected = bed.emulator.store.payment_intents
      .all()
      .filter((p) => p.customer === customer.id && p.amount >= 1000 && p.status !== 'canceled');
    expect(result.data.map((p) => p.id)).toEqual(expected.map((p) => p.id));
    const substring = await stripe.customers.search({ query: `name~"${customer.name!.slice(0, 4)}"`, limit: 100 });
    expect(substring.data.length).toBeGreaterThan(0);
    expect(substring.data.every((c) => c.name!.toLowerCase().includes(customer.name!.slice(0, 4).toLowerCase()))).toBe(true);
  });

  it('serves per-customer batches on invoices and charges', async () => {
    const ids = bed.emulator.store.customers
      .all()
      .slice(0, 5)
      .map((c) => c.id);
    const query = ids.map((id) => `customer:"${id}"`).join(' OR ');
    const invoices = await stripe.invoices.search({ query, limit: 100 }).autoPagingToArray({ limit: 1000 });
    const expected = bed.emulator.store.invoices.all().filter((i) => ids.includes(i.customer));
    expect(invoices.map((i) => i.id)).toEqual(expected.map((i) => i.id));
    const charges = await stripe.charges.search({ query: `${query.split(' OR ')[0]} AND status:"succeeded"` });
    expect(charges.data.every((c) => c.customer === ids[0] && c.status === 'succeeded')).toBe(true);
  });

  it('refuses mixed AND/OR, too many clauses, short substrings and unsupported fields', async () => {
    const mixed = await thrown(() => stripe.customers.search({ query: 'email:"a@x" OR email:"b@x" AND name:"c"' }));
    expect(mixed).toMatchObject({ type: 'StripeInvalidRequestError', statusCode: 400, param: 'query' });
    const many = Array.from({ length: MAX_SEARCH_CLAUSES + 1 }, (_, i) => `email:"p${i}@x"`).join(' OR ');
    const tooMany = await thrown(() => stripe.customers.search({ query: many }));
    expect(tooMany).toMatchObject({ statusCode: 400, param: 'query' });
    expect(tooMany.message).toContain(`at most ${MAX_SEARCH_CLAUSES} clauses`);
    const short = await thrown(() => stripe.customers.search({ query: 'name~"ab"' }));
    expect(short).toMatchObject({ statusCode: 400, param: 'query' });
    const unsupported = await thrown(() => stripe.subscriptions.search({ query: 'customer:"cus_x"' }));
    expect(unsupported.message).toContain('unsupported search field');
  });
});

describe('expand', () => {
  it('expands a customer on a payment intent and data.customer on a list', async () => {
    const intent = bed.emulator.store.payment_intents.all().find((p) => p.customer)!;
    const expanded = await stripe.paymentIntents.retrieve(intent.id, { expand: ['customer', 'latest_charge'] });
    expect(expanded.customer).toMatchObject({ object: 'customer', id: intent.customer });
    expect(expanded.latest_charge).toMatchObject({ object: 'charge', id: intent.latest_charge });
    const list = await stripe.paymentIntents.list({ limit: 3, expand: ['data.customer'] });
    expect(list.data.map((p) => (p.customer as Stripe.Customer).object)).toEqual(['customer', 'customer', 'customer']);
  });

  it('includes invoice payments on request and follows them to the payment intent', async () => {
    const paid = (await stripe.invoices.list({ status: 'paid', limit: 1 })).data[0]!;
    expect(paid.payments).toBeUndefined();
    const invoice = await stripe.invoices.retrieve(paid.id, { expand: ['payments.data.payment.payment_intent'] });
    const payment = invoice.payments!.data[0]!;
    expect(payment).toMatchObject({ object: 'invoice_payment', invoice: paid.id, status: 'paid', amount_paid: paid.amount_due });
    expect(payment.payment.payment_intent).toMatchObject({ object: 'payment_intent', status: 'succeeded', amount: paid.amount_due });
  });

  it('refuses more than four levels and fields that cannot be expanded', async () => {
    const intent = bed.emulator.store.payment_intents.all()[0]!;
    const deep = await thrown(() => stripe.paymentIntents.retrieve(intent.id, { expand: ['a.b.c.d.e'] }));
    expect(deep).toMatchObject({ statusCode: 400, param: 'expand' });
    expect(deep.message).toContain('more than 4 levels');
    const flat = await thrown(() => stripe.paymentIntents.retrieve(intent.id, { expand: ['amount'] }));
    expect(flat).toMatchObject({ statusCode: 400, param: 'expand' });
  });
});
