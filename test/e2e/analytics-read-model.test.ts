import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_START_MS, type MixpanelEvent } from '../../emulators/mixpanel/index.js';
import { hashApiKey } from '../../gateway/clients.js';
import { TEST_DATABASE_URL, databaseKinds } from '../kit/database.js';
import { startTestStack, type TestStack } from '../kit/stack.js';

const KEY = 'read-model-test-key-0123456789';
const asWeb = { 'x-api-key': KEY };
const DAY = 24 * 3600 * 1000;
const SINCE = new Date(SEED_START_MS).toISOString();
const kinds = await databaseKinds();

/** Mixpanel's reports' count: copies of one (name, distinct_id, time, $insert_id) once; unkeyed events each. */
function deduplicated(events: readonly MixpanelEvent[]): MixpanelEvent[] {
  const seen = new Set<string>();
  return events.filter((event) => {
    const insertId = event.properties['$insert_id'];
    if (typeof insertId !== 'string') return true;
    const key = JSON.stringify([event.event, event.properties['distinct_id'], event.timeMs, insertId]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

async function inParallel<T, R>(items: readonly T[], width: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]!);
      }
    }),
  );
  return results;
}

describe.each(kinds)('the analytics read model through the gateway on %s', (kind) => {
  let stack: TestStack;
  const schema = `e2e_readmodel_${process.pid}_${Math.random().toString(36).slice(2, 6)}`;
  const mixpanel = () => stack.emulators.mixpanel!;
  const exports = () => mixpanel().requests.count({ path: '/api/2.0/export' });

  beforeAll(async () => {
    const registry = join(mkdtempSync(join(tmpdir(), 'interchange-')), 'clients.json');
    writeFileSync(
      registry,
      JSON.stringify({ clients: [{ name: 'web', kind: 'frontend', keySha256: hashApiKey(KEY), rateLimitPerMinute: 1_000_000 }] }),
    );
    stack = await startTestStack({
      CLIENT_REGISTRY: registry,
      EVENTS: 'true',
      EVENTS_RECONCILE_CRON: 'off',
      // HubSpot's 100 calls per 10 s would pace the 1,000 CRM lookups to minutes; exports are counted from the log.
      EMULATOR_RATE_LIMITS: 'false',
      // The seed's days lie in the past whatever today is: the backfill reaches back to them.
      ANALYTICS_SYNC_BACKFILL_DAYS: String(Math.ceil((Date.now() - SEED_START_MS) / DAY) + 1),
      // One sync in the test's time: every later answer must come from the read model.
      ANALYTICS_SYNC_INTERVAL_MS: '3600000',
      MIXPANEL_MAX_WINDOW_DAYS: '36500',
      ...(kind === 'postgres' ? { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema } : {}),
    });
    // The first sync runs at start; wait until the read model says how far it reaches.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const status = await stack.query<{ analyticsSync: { syncedThrough: string | null } }>('{ analyticsSync { syncedThrough } }');
      if (status.data?.analyticsSync.syncedThrough) break;
      if (Date.now() > deadline) throw new Error(`the first analytics sync did not finish: ${JSON.stringify(status)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }, 300_000);

  afterAll(async () => {
    await stack?.close();
    if (kind === 'postgres') {
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; DROP SCHEMA IF EXISTS ${schema}_jobs CASCADE`);
      await client.end();
    }
  });

  it('reports the sync in the schema', async () => {
    const result = await stack.query<{ analyticsSync: { enabled: boolean; syncedThrough: string; coveredFrom: string } }>(
      '{ analyticsSync { enabled syncedThrough coveredFrom } }',
    );
    expect(result.errors).toBeUndefined();
    const sync = result.data!.analyticsSync;
    expect(sync.enabled).toBe(true);
    expect(Date.parse(sync.syncedThrough)).toBeLessThanOrEqual(Date.now());
    expect(Date.parse(sync.coveredFrom)).toBeLessThanOrEqual(SEED_START_MS);
    expect(Date.parse(sync.coveredFrom) % DAY).toBe(0);
    expect(exports()).toBe(1);
  });

  it('answers 1,000 lastSeenAt requests for different customers with at most 2 exports, equal to the raw events', async () => {
    // 1,000 different customers, from the CRM (no Mixpanel call).
    const customers: Array<{ id: string; email: string | null }> = [];
    let after: string | null = null;
    while (customers.length < 1000) {
      const page: Awaited<
        ReturnType<
          typeof stack.query<{
            customers: { nodes: Array<{ id: string; email: string | null }>; pageInfo: { hasNextPage: boolean; endCursor: string } };
          }>
        >
      > = await stack.query(
        'query($after: String) { customers(first: 100, after: $after) { nodes { id email } pageInfo { hasNextPage endCursor } } }',
        { after },
        asWeb,
      );
      expect(page.errors).toBeUndefined();
      customers.push(...page.data!.customers.nodes);
      if (!page.data!.customers.pageInfo.hasNextPage) break;
      after = page.data!.customers.pageInfo.endCursor;
    }
    const chosen = customers.slice(0, 1000);
    expect(chosen).toHaveLength(1000);
    expect(new Set(chosen.map((customer) => customer.id)).size).toBe(1000);

    const answers = await inParallel(chosen, 16, async (customer) => {
      const result = await stack.query<{ customer: { email: string | null; lastSeenAt: string | null } }>(
        'query($id: ID!, $since: DateTime) { customer(id: $id) { email lastSeenAt(since: $since) } }',
        { id: customer.id, since: SINCE },
        asWeb,
      );
      expect(result.errors).toBeUndefined();
      return result.data!.customer;
    });
    expect(exports()).toBeLessThanOrEqual(2);
    console.log(`analytics read model on ${kind}: 1,000 lastSeenAt requests, ${exports()} Mixpanel export(s) since start`);

    // The truth: the emulator's own store, newest event of each customer since the seed began.
    const newest = new Map<string, number>();
    for (const event of mixpanel().events()) {
      if (event.timeMs < SEED_START_MS) continue;
      const person = String(event.properties['distinct_id']);
      newest.set(person, Math.max(newest.get(person) ?? Number.NEGATIVE_INFINITY, event.timeMs));
    }
    let seen = 0;
    for (const answer of answers) {
      const expected = answer.email && newest.has(answer.email) ? new Date(newest.get(answer.email)!).toISOString() : null;
      expect(answer.lastSeenAt).toBe(expected);
      if (expected) seen++;
    }
    // Most seeded customers have events: the comparison is not of nulls.
    expect(seen).toBeGreaterThan(500);
  }, 600_000);

  it('answers activity, eventCounts and project-wide counts from the read model too', async () => {
    const before = exports();
    const email = String(mixpanel().events().at(-1)!.properties['distinct_id']);
    const window = { since: SINCE, until: new Date(Date.now()).toISOString() };
    const result = await stack.query<{
      customerByEmail: {
        activity: { totalCount: number; nodes: Array<{ id: string }> };
        eventCounts: Array<{ event: string; count: number }>;
      };
      eventCounts: { total: number };
    }>(
      `query($email: EmailAddress!, $since: DateTime, $until: DateTime) {
        customerByEmail(email: $email) {
          activity(first: 5, since: $since, until: $until) { totalCount nodes { id } }
          eventCounts(since: $since, until: $until) { event count }
        }
        eventCounts(event: "Purchase", since: $since, until: $until, interval: MONTH) { total }
      }`,
      { email, ...window },
      asWeb,
    );
    expect(result.errors).toBeUndefined();
    const own = deduplicated(mixpanel().events()).filter(
      (event) => event.properties['distinct_id'] === email && event.timeMs >= SEED_START_MS,
    );
    expect(result.data!.customerByEmail.activity.totalCount).toBe(own.length);
    expect(result.data!.customerByEmail.activity.nodes.map((node) => node.id)).toEqual(
      [...own]
        .reverse()
        .slice(0, 5)
        .map((event) => String(event.properties['$insert_id'])),
    );
    const counts = new Map<string, number>();
    for (const event of own) counts.set(event.event, (counts.get(event.event) ?? 0) + 1);
    expect(new Map(result.data!.customerByEmail.eventCounts.map(({ event, count }) => [event, count]))).toEqual(counts);
    const purchases = deduplicated(mixpanel().events()).filter((event) => event.event === 'Purchase' && event.timeMs >= SEED_START_MS);
    expect(result.data!.eventCounts.total).toBe(purchases.length);
    expect(exports()).toBe(before);
  });

  it('shows an event sent through trackEvents at once, without a new export', async () => {
    const before = exports();
    const email = String(mixpanel().events().at(-1)!.properties['distinct_id']);
    const query = 'query($email: EmailAddress!, $since: DateTime) { customerByEmail(email: $email) { lastSeenAt(since: $since) } }';
    const earlier = await stack.query<{ customerByEmail: { lastSeenAt: string | null } }>(query, { email, since: SINCE }, asWeb);
    expect(earlier.errors).toBeUndefined();
    const time = new Date(Math.floor(Date.now() / 1000) * 1000 - 5000).toISOString();
    const tracked = await stack.query<{ trackEvents: { accepted: number; failed: unknown[] } }>(
      'mutation($events: [TrackEventInput!]!) { trackEvents(events: $events) { accepted failed { index reason } } }',
      { events: [{ name: 'Read Model Check', distinctId: email, time, insertId: `rm-${kind}-1` }] },
      asWeb,
    );
    expect(tracked.data?.trackEvents).toEqual({ accepted: 1, failed: [] });
    // The same query, same caller: the mutation purged the customer's cached answer.
    const later = await stack.query<{ customerByEmail: { lastSeenAt: string | null } }>(query, { email, since: SINCE }, asWeb);
    expect(later.errors).toBeUndefined();
    expect(later.data!.customerByEmail.lastSeenAt).toBe(time);
    expect(later.data!.customerByEmail.lastSeenAt).not.toBe(earlier.data!.customerByEmail.lastSeenAt);
    expect(
      mixpanel()
        .events()
        .some((event) => event.properties['$insert_id'] === `rm-${kind}-1`),
    ).toBe(true);
    expect(exports()).toBe(before);
  });
});
