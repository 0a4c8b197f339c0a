/**
 * The emulators' stores that grow with use stay bounded, so `npm start` running for hours does not grow without
 * end (issue 17's soak): search's written versions, Stripe's idempotency keys, the webhook delivery log.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeliverer } from '../../../emulators/shared/delivery.js';
import { IDEMPOTENCY_TTL_MS, MAX_IDEMPOTENCY_KEYS } from '../../../emulators/stripe/idempotency.js';
import { manualClock, startHubSpot } from '../hubspot/testkit.js';
import { startStripe } from '../stripe/testkit.js';

describe('HubSpot search versions', () => {
  it('keeps only the writes search can still show, and search shows the one indexed by then', async () => {
    const clock = manualClock();
    const { emulator, client } = await startHubSpot({ clock: clock.now, searchLagMs: 3_000, searchPerSecond: 0 });
    try {
      const email = 'bounded.versions@example.test';
      const { id } = await client.crm.contacts.basicApi.create({ properties: { email, jobtitle: 'v0' }, associations: [] });
      // 60 writes one second apart: with a 3 s lag, search can show at most the last few of them.
      for (let version = 1; version <= 60; version++) {
        clock.advance(1_000);
        await client.crm.contacts.basicApi.update(id, { properties: { jobtitle: `v${version}` } });
      }
      expect(emulator.sizes().searchVersions).toBeLessThanOrEqual(4);
      // Search still lags by 3 s: it shows the write of 3 s ago, not the latest.
      const found = await client.crm.contacts.searchApi.doSearch({
        filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ' as never, value: email }] }],
        properties: ['jobtitle'],
        limit: 1,
        after: '0',
        sorts: [],
      });
      expect(found.results.map((contact) => contact.properties.jobtitle)).toEqual(['v57']);
    } finally {
      await emulator.close();
    }
  });
});

describe('Stripe idempotency keys', () => {
  it('forgets keys once their 24 hours are over, and a forgotten key runs its request again', async () => {
    const bed = await startStripe();
    try {
      const first = await bed.stripe.customers.create({ email: 'key-0@example.test' }, { idempotencyKey: 'key-0' });
      for (let index = 1; index < 20; index++)
        await bed.stripe.customers.create({ email: `key-${index}@example.test` }, { idempotencyKey: `key-${index}` });
      expect(bed.emulator.sizes().idempotencyKeys).toBe(20);
      const replayed = await bed.stripe.customers.create({ email: 'key-0@example.test' }, { idempotencyKey: 'key-0' });
      expect(replayed.id).toBe(first.id);

      bed.advance(IDEMPOTENCY_TTL_MS);
      const after = await bed.stripe.customers.create({ email: 'key-0@example.test' }, { idempotencyKey: 'key-0' });
      expect(after.id).not.toBe(first.id);
      expect(after.lastResponse.headers['idempotent-replayed']).toBeUndefined();
      // The 19 others expired with it and were forgotten when the next key came.
      expect(bed.emulator.sizes().idempotencyKeys).toBe(1);
    } finally {
      await bed.close();
    }
  });

  it('remembers at most MAX_IDEMPOTENCY_KEYS keys, dropping the oldest first', async () => {
    const bed = await startStripe();
    try {
      const created = [];
      // Raw form posts: the SDK's own overhead would make ten thousand requests slow for no gain.
      const post = (key: string) =>
        fetch(`${bed.emulator.url}/v1/customers`, {
          method: 'POST',
          headers: {
            authorization: 'Bearer sk_test_emulator',
            'idempotency-key': key,
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: 'description=bounded',
        }).then(async (response) => ((await response.json()) as { id: string }).id);
      for (let index = 0; index <= MAX_IDEMPOTENCY_KEYS; index++) created.push(await post(`cap-${index}`));
      expect(bed.emulator.sizes().idempotencyKeys).toBe(MAX_IDEMPOTENCY_KEYS);
      // The newest key still replays; the oldest was forgotten, so its request runs again.
      expect(await post(`cap-${MAX_IDEMPOTENCY_KEYS}`)).toBe(created[MAX_IDEMPOTENCY_KEYS]);
      expect(await post('cap-0')).not.toBe(created[0]);
    } finally {
      await bed.close();
    }
  }, 120_000);
});

describe('webhook delivery log', () => {
  let receiver: Server;
  let url: string;
  beforeAll(async () => {
    receiver = createServer((_req, res) => res.writeHead(200).end());
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  });
  afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

  it('keeps the latest attemptLimit attempts', async () => {
    const deliverer = createDeliverer({ attemptLimit: 10 });
    // One at a time, so the log's order is the order sent.
    for (let index = 0; index < 35; index++) {
      deliverer.deliver({ url, label: `event-${index}`, body: () => '{}', headers: () => ({}) });
      await deliverer.idle();
    }
    deliverer.close();
    expect(deliverer.attempts.length).toBeLessThanOrEqual(10);
    expect(deliverer.attempts.at(-1)).toMatchObject({ label: 'event-34', status: 200 });
    expect(deliverer.attempts.map((attempt) => attempt.label)).not.toContain('event-0');
  });
});
