import { Client } from '@hubspot/api-client';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import { createHubSpotEmulator } from '../../emulators/hubspot/index.js';
import { createStripeEmulator } from '../../emulators/stripe/index.js';
import { verifyHubSpotSignature } from '../../subgraphs/crm/webhooks.js';

type Received = { headers: IncomingMessage['headers']; body: string; url: string };

/** A webhook receiver on port 0 answering each delivery with the next status of `statuses` (then 200). */
async function receiver(statuses: number[] = []): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body, url: req.url ?? '' });
      res.statusCode = statuses.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received, server };
}

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('Stripe emulator webhooks', () => {
  it('registers an endpoint with the SDK, delivers signed events the SDK verifies, and retries failures', async () => {
    const emulator = createStripeEmulator({ webhooks: { retryScheduleMs: [20, 40] } });
    const url = await emulator.listen(0);
    const hook = await receiver([500, 503]);
    closers.push(
      () => emulator.close(),
      () => new Promise((resolve) => hook.server.close(resolve)),
    );
    const stripe = new Stripe('sk_test_emulator', {
      host: '127.0.0.1',
      port: Number(new URL(url).port),
      protocol: 'http',
      telemetry: false,
    });

    const endpoint = await stripe.webhookEndpoints.create({ url: hook.url, enabled_events: ['customer.updated'] });
    expect(endpoint.secret).toMatch(/^whsec_/);
    expect((await stripe.webhookEndpoints.retrieve(endpoint.id)).secret).toBeUndefined();

    const customer = (await stripe.customers.list({ limit: 1 })).data[0]!;
    await stripe.customers.update(customer.id, { name: 'Signed Delivery' });
    await until(() => hook.received.length === 3);
    // The deliverer records an attempt once its answer is back, a moment after the receiver has it.
    await until(() => emulator.webhooks.deliverer.attempts.length === 3);
    const last = hook.received[2]!;
    const event = stripe.webhooks.constructEvent(last.body, String(last.headers['stripe-signature']), endpoint.secret!);
    expect(event).toMatchObject({
      type: 'customer.updated',
      data: { object: { id: customer.id, name: 'Signed Delivery' }, previous_attributes: { name: customer.name } },
    });
    expect(emulator.webhooks.deliverer.attempts.map((attempt) => attempt.status)).toEqual([500, 503, 200]);

    // Catch-up sees the same event through GET /v1/events.
    const listed = await stripe.events.list({ created: { gte: event.created }, types: ['customer.updated'] });
    expect(listed.data.map((item) => item.id)).toContain(event.id);

    await stripe.webhookEndpoints.del(endpoint.id);
    expect((await stripe.webhookEndpoints.list()).data).toEqual([]);
  });
});

describe('HubSpot emulator webhooks', () => {
  it('delivers property changes made with the SDK in signed v3 batches, retrying with attemptNumber', async () => {
    const emulator = createHubSpotEmulator({ webhooks: { retryScheduleMs: [20, 40], batchWindowMs: 20 } });
    const url = await emulator.listen(0);
    const hook = await receiver([502]);
    closers.push(
      () => emulator.close(),
      () => new Promise((resolve) => hook.server.close(resolve)),
    );
    const api = (path: string, method: string, body?: unknown) =>
      fetch(`${url}/webhooks/v3/1000001${path}?hapikey=emulator-developer-key`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });

    expect((await api('/settings', 'PUT', { targetUrl: hook.url })).status).toBe(200);
    for (const propertyName of ['firstname', 'lastname'])
      expect((await api('/subscriptions', 'POST', { eventType: 'contact.propertyChange', propertyName })).status).toBe(201);
    expect((await fetch(`${url}/webhooks/v3/1000001/subscriptions?hapikey=wrong`)).status).toBe(401);

    const client = new Client({ accessToken: 'pat-emulator', basePath: url });
    await client.crm.contacts.basicApi.update('1001', {
      properties: { firstname: 'Batched', lastname: 'Change', jobtitle: 'not subscribed' },
    });
    await until(() => hook.received.length === 2);
    const [failed, delivered] = hook.received;
    const events = JSON.parse(delivered!.body) as Array<Record<string, unknown>>;
    expect(events.map((event) => [event.propertyName, event.propertyValue, event.attemptNumber])).toEqual([
      ['firstname', 'Batched', 1],
      ['lastname', 'Change', 1],
    ]);
    expect((JSON.parse(failed!.body) as Array<{ attemptNumber: number }>)[0]!.attemptNumber).toBe(0);
    expect(events[0]).toMatchObject({
      subscriptionType: 'contact.propertyChange',
      objectId: 1001,
      changeSource: 'API',
      portalId: 62515,
      appId: 1000001,
    });
    expect(() =>
      verifyHubSpotSignature({
        method: 'POST',
        url: hook.url,
        rawBody: delivered!.body,
        signature: delivered!.headers['x-hubspot-signature-v3'],
        timestamp: delivered!.headers['x-hubspot-request-timestamp'],
        secrets: ['emulator-client-secret'],
      }),
    ).not.toThrow();
  });
});
