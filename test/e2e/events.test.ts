import { Client } from '@hubspot/api-client';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signHubSpotPayload } from '../../subgraphs/crm/webhooks.js';
import { signStripePayload } from '../../subgraphs/payments/webhooks.js';
import { TEST_DATABASE_URL, dropTestSchema, postgresReachable } from '../kit/database.js';
import { webClientRegistry } from '../kit/clients.js';
import { startTestStack, type TestStack } from '../kit/stack.js';
import { eventually } from '../kit/eventually.js';
import { stripeSdk } from '../kit/sdk.js';
import { hubspotPropertyChange } from '../kit/hubspot-webhooks.js';

const KEY = 'events-test-key-0123456789';
const ADMIN_TOKEN = 'admin-token-0123456789abcdef';
const asWeb = { 'x-api-key': KEY };
const schema = `e2e_events_${process.pid}_${Math.random().toString(36).slice(2, 6)}`;
let stack: TestStack;
let usesPostgres = false;

beforeAll(async () => {
  const registry = webClientRegistry(KEY);
  usesPostgres = await postgresReachable();
  stack = await startTestStack({
    CLIENT_REGISTRY: registry,
    EVENTS: 'true',
    ADMIN_TOKEN,
    EVENTS_RECONCILE_CRON: 'off',
    ...(usesPostgres ? { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema } : {}),
  });
}, 120_000);

afterAll(async () => {
  await stack?.close();
  if (usesPostgres) {
    await dropTestSchema(schema);
  }
});

const admin = async <T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> => {
  const response = await fetch(`${stack.gatewayUrl}/internal/events${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  return (await response.json()) as T;
};

type Logged = { id: number; vendorEventId: string; status: string; applications: number };
const byVendorId = async (vendor: string, vendorEventId: string) =>
  (await admin<{ events: Logged[] }>(`?vendor=${vendor}&limit=1000`)).events.find((event) => event.vendorEventId === vendorEventId);

async function postHubSpot(events: unknown[], options: { secret?: string; timestamp?: number } = {}) {
  const url = `${stack.gatewayUrl}/webhooks/hubspot`;
  const payload = JSON.stringify(events);
  const headers = signHubSpotPayload({ url, payload, secret: options.secret ?? 'emulator-client-secret', timestamp: options.timestamp });
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: payload });
}

describe('vendor changes reach the gateway through webhooks, caches on', () => {
  it('shows a name changed directly at HubSpot with the SDK within 5 s', async () => {
    const query = 'query($id: ID!) { customer(id: $id) { id firstName } }';
    const before = await stack.query<{ customer: { firstName: string } }>(query, { id: '1010' }, asWeb);
    const cached = await stack.query(query, { id: '1010' }, asWeb);
    expect(cached.headers.get('age')).toMatch(/^\d+$/);

    const hubspot = new Client({ accessToken: 'pat-emulator', basePath: stack.emulators.hubspot!.url });
    await hubspot.crm.contacts.basicApi.update('1010', { properties: { firstname: `${before.data!.customer.firstName}-renamed` } });
    const changedAt = Date.now();
    const after = await eventually(
      () => stack.query<{ customer: { firstName: string } }>(query, { id: '1010' }, asWeb),
      (result) => result.data?.customer.firstName.endsWith('-renamed') === true,
    );
    expect(after.data!.customer.firstName).toBe(`${before.data!.customer.firstName}-renamed`);
    expect(Date.now() - changedAt).toBeLessThan(5000);
  });

  it('shows a Stripe customer updated directly with the stripe SDK within 5 s', async () => {
    const stripeCustomer = stack.emulators
      .stripe!.store.customers.all()
      .find((customer) => customer.email && stack.emulators.hubspot!.store.findBy('contacts', 'email', customer.email))!;
    const contact = stack.emulators.hubspot!.store.findBy('contacts', 'email', stripeCustomer.email!)!;
    const query = 'query($id: ID!) { customer(id: $id) { id billing { id name } } }';
    await stack.query(query, { id: contact.id }, asWeb);
    expect((await stack.query(query, { id: contact.id }, asWeb)).headers.get('age')).toMatch(/^\d+$/);

    const stripe = stripeSdk(stack);
    await stripe.customers.update(stripeCustomer.id, { name: 'Renamed Through Stripe' });
    const changedAt = Date.now();
    const after = await eventually(
      () => stack.query<{ customer: { billing: { name: string } } }>(query, { id: contact.id }, asWeb),
      (result) => result.data?.customer.billing.name === 'Renamed Through Stripe',
    );
    expect(after.data!.customer.billing.name).toBe('Renamed Through Stripe');
    expect(Date.now() - changedAt).toBeLessThan(5000);
  });
});

describe('the public webhook endpoints', () => {
  it('refuses a forged Stripe signature and a stale HubSpot one with a reason, storing nothing', async () => {
    const payload = JSON.stringify({
      id: 'evt_forged_1',
      object: 'event',
      type: 'customer.updated',
      created: Math.floor(Date.now() / 1000),
      data: { object: { id: 'cus_x', object: 'customer', email: 'x@example.com' } },
    });
    const forged = await fetch(`${stack.gatewayUrl}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': signStripePayload({ payload, secret: 'whsec_not_ours' }) },
      body: payload,
    });
    expect(forged.status).toBe(401);
    expect(await forged.json()).toMatchObject({ error: { code: 'WEBHOOK_SIGNATURE_INVALID', reason: 'mismatch' } });

    const stale = await postHubSpot([hubspotPropertyChange(777001, 1011, 'firstname', 'Mallory', Date.now())], {
      timestamp: Date.now() - 6 * 60_000,
    });
    expect(stale.status).toBe(401);
    expect(await stale.json()).toMatchObject({ error: { reason: 'stale' } });

    const unsigned = await fetch(`${stack.gatewayUrl}/webhooks/hubspot`, { method: 'POST', body: '[]' });
    expect(unsigned.status).toBe(401);

    expect(await byVendorId('stripe', 'evt_forged_1')).toBeUndefined();
    expect(await byVendorId('hubspot', '777001')).toBeUndefined();
    const stats = await admin<{ rejections: Record<string, Record<string, number>> }>('/stats');
    expect(stats.rejections).toMatchObject({ stripe: { mismatch: 1 }, hubspot: { stale: 1, missing: 1 } });
  });

  it('applies a duplicate delivery once', async () => {
    const events = [hubspotPropertyChange(777100, 1012, 'jobtitle', 'Engineer', Date.now() - 1000)];
    const first = await postHubSpot(events);
    expect(await first.json()).toEqual({ received: true, accepted: 1, duplicates: 0 });
    const again = await postHubSpot(events);
    expect(await again.json()).toEqual({ received: true, accepted: 0, duplicates: 1 });
    const logged = await eventually(
      () => byVendorId('hubspot', '777100'),
      (event) => event?.status === 'applied',
    );
    expect(logged).toMatchObject({ status: 'applied', applications: 1 });
  });

  it('records an out-of-order older event as stale without overwriting the newer state', async () => {
    const now = Date.now();
    await postHubSpot([hubspotPropertyChange(777201, 1013, 'city', 'Newer', now - 1000)]);
    await eventually(
      () => byVendorId('hubspot', '777201'),
      (event) => event?.status === 'applied',
    );
    await postHubSpot([hubspotPropertyChange(777200, 1013, 'city', 'Older', now - 5000)]);
    const older = await eventually(
      () => byVendorId('hubspot', '777200'),
      (event) => event?.status === 'stale',
    );
    expect(older?.status).toBe('stale');
    const newer = await byVendorId('hubspot', '777201');
    expect(newer?.status).toBe('applied');
  });

  it('keeps the admin routes behind the admin token', async () => {
    const response = await fetch(`${stack.gatewayUrl}/internal/events`);
    expect(response.status).toBe(401);
  });
});

describe('the pipeline on /metrics and /status', () => {
  const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
  it("reports the log's counts, backlog and refusals as the admin routes do, and redrives from the page", async () => {
    // The log is live (late deliveries, the workers): read both until they agree, as one scrape and one stats call
    // taken at the same moment would.
    const agreeing = (stats: { counts: Record<string, number> }, metrics: string) =>
      Object.entries(stats.counts).every(([status, count]) => metrics.includes(`interchange_events{status="${status}"} ${count}`));
    const { stats, metrics } = await eventually(
      async () => ({
        stats: await admin<{ counts: Record<string, number>; rejections: Record<string, Record<string, number>> }>('/stats'),
        metrics: await (await fetch(`${stack.gatewayUrl}/metrics`, { headers: auth })).text(),
      }),
      ({ stats, metrics }) => agreeing(stats, metrics),
    );
    for (const [status, count] of Object.entries(stats.counts))
      expect(metrics).toContain(`interchange_events{status="${status}"} ${count}`);
    const total = Object.values(stats.counts).reduce((sum, count) => sum + count, 0);
    expect(total).toBeGreaterThan(0);
    expect(metrics).toContain(`interchange_events_ingested ${total}`);
    expect(metrics).toMatch(/interchange_events_backlog \d+/);
    expect(metrics).toMatch(/interchange_events_oldest_unapplied_age_seconds [\d.e+-]+/);
    const refusals = Object.entries(stats.rejections).flatMap(([vendor, reasons]) =>
      Object.entries(reasons).map(([reason, count]) => `interchange_webhook_rejections{vendor="${vendor}",reason="${reason}"} ${count}`),
    );
    expect(refusals.length).toBeGreaterThan(0);
    for (const line of refusals) expect(metrics).toContain(line);

    const status = (await (await fetch(`${stack.gatewayUrl}/status.json`, { headers: auth })).json()) as {
      events: { counts: Record<string, number>; rejections: unknown };
    };
    expect(status.events.counts).toEqual(stats.counts);
    expect(status.events.rejections).toEqual(stats.rejections);
    const page = await (await fetch(`${stack.gatewayUrl}/status`, { headers: auth })).text();
    expect(page).toContain('<tr data-status="applied">');

    expect((await fetch(`${stack.gatewayUrl}/status/redrive`, { method: 'POST' })).status).toBe(401);
    const redrive = await fetch(`${stack.gatewayUrl}/status/redrive`, { method: 'POST', headers: auth, redirect: 'manual' });
    expect(redrive.status).toBe(303);
    expect(redrive.headers.get('location')).toBe(`/status?redriven=${stats.counts.dead}`);
  });
});

describe('reconciliation', () => {
  it('appends through the same log what webhooks missed, from Stripe events and HubSpot search', async () => {
    const stripe = stripeSdk(stack);
    // The endpoint goes away (as if it had been down through every retry); a change happens meanwhile.
    for (const endpoint of (await stripe.webhookEndpoints.list()).data) await stripe.webhookEndpoints.del(endpoint.id);
    const customer = (await stripe.customers.list({ limit: 1 })).data[0]!;
    await stripe.customers.update(customer.id, { name: 'Missed By Webhooks' });
    const missed = (await stripe.events.list({ limit: 1 })).data[0]!;
    expect(await byVendorId('stripe', missed.id)).toBeUndefined();
    const hubspot = new Client({ accessToken: 'pat-emulator', basePath: stack.emulators.hubspot!.url });
    await hubspot.crm.contacts.basicApi.update('1020', { properties: { city: 'Caught Up City' } });
    const company = (await hubspot.crm.companies.basicApi.getPage(1)).results[0]!;
    await hubspot.crm.companies.basicApi.update(company.id, { properties: { name: 'Caught Up Company' } });

    const { reconciled } = await admin<{ reconciled: Record<string, { read: number; appended: number; error?: string }> }>('/reconcile', {
      method: 'POST',
    });
    expect(reconciled.stripe!.error).toBeUndefined();
    expect(reconciled.hubspot!.error).toBeUndefined();
    // HubSpot's search sees the change only after its indexing lag (the emulator's default, seconds): a sweep
    // run before that misses it, and a later sweep finds it because each one re-reads an overlap behind its mark.
    const caughtUpContact = await eventually(
      async () => {
        const sweep = await admin<{ reconciled: Record<string, { read: number; error?: string }> }>('/reconcile', { method: 'POST' });
        expect(sweep.reconciled.hubspot!.error).toBeUndefined();
        const logged = await admin<{ events: Array<{ vendorEventId: string; entity: string }> }>('?vendor=hubspot&limit=1000');
        return (
          logged.events.some((event) => event.vendorEventId.startsWith('catch-up:contact:1020:city:')) &&
          logged.events.some((event) => event.vendorEventId.startsWith(`catch-up:company:${company.id}:name:`))
        );
      },
      (found) => found,
      15_000,
    );
    expect(caughtUpContact).toBe(true);
    const caughtUp = await eventually(
      () => byVendorId('stripe', missed.id),
      (event) => event?.status === 'applied',
    );
    expect(caughtUp).toMatchObject({ status: 'applied' });

    // A second run reads again from its cursor and appends nothing new.
    const again = await admin<{ reconciled: Record<string, { appended: number }> }>('/reconcile', { method: 'POST' });
    expect(again.reconciled.stripe!.appended).toBe(0);
  });
});
