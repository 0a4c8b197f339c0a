/**
 * The vendors of the events benchmark, in a process of their own: the Stripe and HubSpot emulators (their APIs,
 * their stores, their webhook deliverers) and nothing else, so the ack latency measured at their deliverers is
 * the receiver's and not the load generator's (the writers and the coordinator run in bench/events/run.ts).
 *
 * Env: BENCH_INGEST_URL (where the endpoints point), BENCH_ENTITIES (customers and contacts each). Prints
 * `ready {json}` (the emulators' URLs, the Stripe endpoint's secret, the entities, the control URL). Control:
 * `GET /finish` answers once no delivery is held back or pending, with what the vendors saw (latencies, failed
 * attempts, the events they emitted, each entity's value in their stores): the truth the log is audited against.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { DeliveryAttempt, Deliverer } from '../../emulators/shared/delivery.js';
import { createHubSpotEmulator } from '../../emulators/hubspot/index.js';
import { createStripeEmulator } from '../../emulators/stripe/index.js';
import { startProfile } from './profile.js';
import { BENCH_SECRETS } from './secrets.js';

const INGEST = process.env.BENCH_INGEST_URL ?? 'http://127.0.0.1:4800';
const ENTITIES = Number(process.env.BENCH_ENTITIES ?? 500);
/** The emulators retry a failed delivery on this schedule (compressed): about three minutes of retrying in all. */
const RETRY_SCHEDULE_MS = [200, 500, 1_000, ...Array.from({ length: 90 }, () => 2_000)];
/** Share of first deliveries held back 1.5–3 s, so that they reach ingest after a newer change of their entity. */
const HELD_SHARE = 0.05;

function createRandom(seed: number) {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

/** What one deliverer's watch saw; `latencies` are [epoch ms the attempt began, latency ms] per acknowledged attempt. */
type Tracker = { latencies: Array<[number, number]>; failedAttempts: number; held: number; heldNow: number; emitted: Set<string> };

/**
 * Watches one emulator's deliverer: when each attempt starts (its headers are signed just before the POST) and
 * ends (the deliverer records it), so ack latency is measured on the vendor's side of the wire; and holds back a
 * share of first deliveries to reorder them.
 */
function track(deliverer: Deliverer, ids: (body: string) => string[], random: () => number): Tracker {
  const starts = new Map<string, number[]>();
  const tracker: Tracker = { latencies: [], failedAttempts: 0, held: 0, heldNow: 0, emitted: new Set() };
  const attempts = deliverer.attempts as DeliveryAttempt[];
  const push = attempts.push.bind(attempts);
  attempts.push = (...items: DeliveryAttempt[]) => {
    const now = performance.now();
    for (const item of items) {
      const list = starts.get(item.label);
      const begun = list?.shift();
      if (list?.length === 0) starts.delete(item.label);
      if (item.status >= 200 && item.status < 300) {
        if (begun !== undefined) tracker.latencies.push([performance.timeOrigin + begun, now - begun]);
      } else tracker.failedAttempts++;
    }
    return push(...items);
  };
  const deliver = deliverer.deliver.bind(deliverer);
  deliverer.deliver = (request) => {
    for (const id of ids(request.body(1))) tracker.emitted.add(id);
    const timed = {
      ...request,
      headers: (body: string, attempt: number) => {
        const list = starts.get(request.label) ?? [];
        list.push(performance.now());
        starts.set(request.label, list);
        return request.headers(body, attempt);
      },
    };
    if (random() < HELD_SHARE) {
      tracker.held++;
      tracker.heldNow++;
      setTimeout(
        () => {
          tracker.heldNow--;
          deliver(timed);
        },
        1_500 + random() * 1_500,
      );
    } else deliver(timed);
  };
  return tracker;
}

// BENCH_PROFILE_DIR=<dir>: a CPU profile of this process, written there when it is stopped (SIGTERM).
const profiler = await startProfile('vendors');

const delivery = { retryScheduleMs: RETRY_SCHEDULE_MS, duplicateRate: 0.1, timeoutMs: 30_000 };
const stripe = createStripeEmulator({ seedData: false, rateLimitPerSecond: 0, searchLagMs: 0, webhooks: delivery });
const hubspot = createHubSpotEmulator({
  tenSecondlyLimit: 0,
  oauth: { clientSecret: BENCH_SECRETS.hubspot },
  webhooks: { ...delivery, batchWindowMs: 0 },
});
const [stripeUrl, hubspotUrl] = await Promise.all([stripe.listen(0), hubspot.listen(0)]);

// The vendors' entities: Stripe customers made through the API, HubSpot's seeded contacts (more made if needed).
const customers: string[] = [];
for (let index = 0; index < ENTITIES; index++) {
  const response = await fetch(`${stripeUrl}/v1/customers`, {
    method: 'POST',
    headers: { authorization: 'Bearer sk_test_emulator' },
    body: new URLSearchParams({ email: `bench${index}@example.com`, name: 'initial' }),
  });
  customers.push(((await response.json()) as { id: string }).id);
}
const contacts = [...hubspot.store.all('contacts')].slice(0, ENTITIES).map((contact) => contact.id);
for (let index = contacts.length; index < ENTITIES; index++) {
  const response = await fetch(`${hubspotUrl}/crm/v3/objects/contacts`, {
    method: 'POST',
    headers: { authorization: 'Bearer pat-emulator', 'content-type': 'application/json' },
    body: JSON.stringify({ properties: { email: `bench${index}@example.com`, firstname: 'initial' } }),
  });
  contacts.push(((await response.json()) as { id: string }).id);
}
// Subscribed only now: the set-up above is not part of the run.
const endpoint = stripe.webhooks.register({ url: `${INGEST}/webhooks/stripe`, enabled_events: ['customer.updated'] });
hubspot.webhooks.configure({
  targetUrl: `${INGEST}/webhooks/hubspot`,
  subscriptions: [{ eventType: 'contact.propertyChange', propertyName: 'firstname' }],
});

const lag = monitorEventLoopDelay({ resolution: 10 });
lag.enable();
const trackers = {
  stripe: track(stripe.webhooks.deliverer, (body) => [(JSON.parse(body) as { id: string }).id], createRandom(7)),
  hubspot: track(
    hubspot.webhooks.deliverer,
    (body) => (JSON.parse(body) as Array<{ eventId: number }>).map((event) => String(event.eventId)),
    createRandom(11),
  ),
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const control = createServer((req, res) => {
  if (req.url !== '/finish') {
    res.writeHead(404).end();
    return;
  }
  void (async () => {
    while (trackers.stripe.heldNow + trackers.hubspot.heldNow > 0) await sleep(100);
    await Promise.all([stripe.webhooks.deliverer.idle(), hubspot.webhooks.deliverer.idle()]);
    lag.disable();
    const truth: Record<string, string | null> = {};
    for (const id of customers) truth[`stripe:customer:${id}`] = stripe.store.customers.get(id)?.name ?? null;
    for (const id of contacts) truth[`hubspot:contact:${id}:firstname`] = hubspot.store.get('contacts', id)?.properties.firstname ?? null;
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        latencies: [...trackers.stripe.latencies, ...trackers.hubspot.latencies],
        failedAttempts: trackers.stripe.failedAttempts + trackers.hubspot.failedAttempts,
        held: trackers.stripe.held + trackers.hubspot.held,
        lagP99: lag.percentile(99) / 1e6,
        // Stripe's own event store, and every HubSpot event id the emulator delivered.
        emitted: {
          stripe: stripe.store.events
            .all()
            .filter((event) => event.type === 'customer.updated')
            .map((event) => event.id),
          hubspot: [...trackers.hubspot.emitted],
        },
        truth,
      }),
    );
  })();
});
control.listen(0, '127.0.0.1', () => {
  const controlUrl = `http://127.0.0.1:${(control.address() as AddressInfo).port}`;
  console.log(`ready ${JSON.stringify({ stripeUrl, hubspotUrl, controlUrl, stripeSecret: endpoint.secret, customers, contacts })}`);
});
process.on('SIGTERM', () => {
  void (async () => {
    await profiler.stop();
    await Promise.all([stripe.close(), hubspot.close()]);
    process.exit(0);
  })();
});
