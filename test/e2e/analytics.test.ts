import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MixpanelEvent } from '../../emulators/mixpanel/index.js';
import { startTestStack, type TestStack } from '../kit/stack.js';

let stack: TestStack;
const mixpanel = () => stack.emulators.mixpanel!;

beforeAll(async () => {
  // The seed ends at 2026-11-01 and windows here are fixed; a long maximum keeps them valid as the clock moves on.
  stack = await startTestStack({ MIXPANEL_MAX_WINDOW_DAYS: '36500' });
});
afterAll(() => stack.close());
beforeEach(() => mixpanel().requests.clear());

const OCTOBER = { since: '2026-10-01T00:00:00Z', until: '2026-11-01T00:00:00Z' };
const ms = (iso: string): number => Date.parse(iso);
const inside =
  (since: string, until: string) =>
  (event: MixpanelEvent): boolean =>
    event.timeMs >= ms(since) && event.timeMs < ms(until);
const idOf = (event: MixpanelEvent): string => String(event.properties['$insert_id']);

describe('customer activity through the gateway', () => {
  it('gives 50 customers their lastSeenAt and last 5 events from at most 2 Mixpanel requests', async () => {
    const result = await stack.query<{
      customers: {
        nodes: Array<{
          id: string;
          email: string;
          lastSeenAt: string | null;
          activity: { totalCount: number; nodes: Array<{ id: string; name: string; time: string; customer: { email: string } }> };
        }>;
      };
    }>(
      `query($since: DateTime, $until: DateTime) {
        customers(first: 50) {
          nodes {
            id email lastSeenAt(since: "2026-09-01T00:00:00Z")
            activity(first: 5, since: $since, until: $until) { totalCount nodes { id name time customer { email } } }
          }
        }
      }`,
      OCTOBER,
    );
    expect(result.errors).toBeUndefined();
    const customers = result.data!.customers.nodes;
    expect(customers).toHaveLength(50);
    const all = mixpanel().events();
    for (const customer of customers) {
      const own = all.filter((event) => event.properties['distinct_id'] === customer.email);
      const since = own.filter((event) => event.timeMs >= ms('2026-09-01T00:00:00Z'));
      expect(customer.lastSeenAt).toBe(since.length > 0 ? new Date(since[since.length - 1]!.timeMs).toISOString() : null);
      const october = own.filter(inside(OCTOBER.since, OCTOBER.until));
      expect(customer.activity.totalCount).toBe(october.length);
      expect(customer.activity.nodes.map((node) => node.id)).toEqual(october.reverse().slice(0, 5).map(idOf));
      for (const node of customer.activity.nodes) expect(node.customer.email).toBe(customer.email);
    }
    expect(customers.some((customer) => customer.activity.nodes.length === 5)).toBe(true);
    const requests = mixpanel().requests.count();
    console.log(
      `50 customers, lastSeenAt + activity(first: 5): ${requests} Mixpanel request(s), ${stack.emulators.hubspot!.requests.count()} HubSpot request(s)`,
    );
    expect(requests).toBeLessThanOrEqual(2);
    expect(
      mixpanel()
        .requests.list()
        .every((request) => request.path === '/api/2.0/export'),
    ).toBe(true);
  });

  it('pages a customer’s activity with `after` and counts events from the same export', async () => {
    const email = String(
      mixpanel()
        .events()
        .find((event) => event.timeMs >= ms(OCTOBER.since))!.properties['distinct_id'],
    );
    const query = `query($email: EmailAddress!, $after: String, $since: DateTime, $until: DateTime) {
      customerByEmail(email: $email) {
        activity(first: 3, after: $after, since: $since, until: $until) { nodes { id } pageInfo { hasNextPage endCursor } }
        eventCounts(since: $since, until: $until) { event count }
      }
    }`;
    type Page = {
      customerByEmail: {
        activity: { nodes: Array<{ id: string }>; pageInfo: { hasNextPage: boolean; endCursor: string } };
        eventCounts: Array<{ event: string; count: number }>;
      };
    };
    const first = await stack.query<Page>(query, { email, ...OCTOBER });
    expect(first.errors).toBeUndefined();
    expect(mixpanel().requests.count()).toBe(1);
    const october = mixpanel()
      .events()
      .filter((event) => event.properties['distinct_id'] === email)
      .filter(inside(OCTOBER.since, OCTOBER.until));
    const expectedCounts = new Map<string, number>();
    for (const event of october) expectedCounts.set(event.event, (expectedCounts.get(event.event) ?? 0) + 1);
    expect(new Map(first.data!.customerByEmail.eventCounts.map(({ event, count }) => [event, count]))).toEqual(expectedCounts);

    const ids = [...first.data!.customerByEmail.activity.nodes.map((node) => node.id)];
    let page = first.data!.customerByEmail.activity;
    while (page.pageInfo.hasNextPage) {
      const next = await stack.query<Page>(query, { email, after: page.pageInfo.endCursor, ...OCTOBER });
      expect(next.errors).toBeUndefined();
      page = next.data!.customerByEmail.activity;
      ids.push(...page.nodes.map((node) => node.id));
    }
    expect(ids).toEqual([...october].reverse().map(idOf));
  });
});

describe('project-wide analytics', () => {
  /** Every user's deepest progress through `steps`, by trying every chain of events (no greedy shortcut). */
  function expectedFunnel(events: readonly MixpanelEvent[], steps: string[], since: string, until: string, windowMs: number): number[] {
    const byUser = new Map<string, MixpanelEvent[]>();
    for (const event of events.filter(inside(since, until))) {
      if (!steps.includes(event.event)) continue;
      const user = String(event.properties['distinct_id']);
      byUser.set(user, [...(byUser.get(user) ?? []), event]);
    }
    const chain = (list: MixpanelEvent[], start: number, last: number, depth: number): number => {
      if (depth === steps.length) return depth;
      let best = depth;
      for (let next = last + 1; next < list.length; next++) {
        if (list[next]!.timeMs - list[start]!.timeMs > windowMs) break;
        if (list[next]!.event === steps[depth]) best = Math.max(best, chain(list, start, next, depth + 1));
        if (best === steps.length) break;
      }
      return best;
    };
    const reached = steps.map(() => 0);
    for (const list of byUser.values()) {
      let depth = 0;
      list.forEach((event, index) => {
        if (event.event === steps[0]) depth = Math.max(depth, chain(list, index, index, 1));
      });
      for (let step = 0; step < depth; step++) reached[step]!++;
    }
    return reached;
  }

  it('computes a funnel that matches the raw events, inside the window, two conversion windows from one export', async () => {
    const steps = ['Add To Cart', 'Checkout Started', 'Purchase'];
    const since = '2026-08-01T00:00:00Z';
    const until = '2026-10-01T00:00:00Z';
    const result = await stack.query<{
      day: { steps: Array<{ event: string; count: number; conversionFromPrevious: number; conversionFromFirst: number }> };
      hour: { steps: Array<{ count: number }> };
    }>(
      `query($steps: [String!]!, $since: DateTime, $until: DateTime) {
        day: funnel(steps: $steps, since: $since, until: $until, window: 86400) { steps { position event count conversionFromPrevious conversionFromFirst } }
        hour: funnel(steps: $steps, since: $since, until: $until, window: 3600) { steps { count } }
      }`,
      { steps, since, until },
    );
    expect(result.errors).toBeUndefined();
    const events = mixpanel().events();
    const day = expectedFunnel(events, steps, since, until, 86_400_000);
    expect(result.data!.day.steps.map((step) => step.count)).toEqual(day);
    expect(result.data!.hour.steps.map((step) => step.count)).toEqual(expectedFunnel(events, steps, since, until, 3_600_000));
    expect(day[2]).toBeGreaterThan(0);
    expect(result.data!.day.steps[2]!.conversionFromPrevious).toBeCloseTo(day[2]! / day[1]!);
    expect(result.data!.day.steps[2]!.conversionFromFirst).toBeCloseTo(day[2]! / day[0]!);
    // The window matters: the same funnel over all seeded events gives other counts.
    expect(expectedFunnel(events, steps, '2020-01-01T00:00:00Z', '2030-01-01T00:00:00Z', 86_400_000)).not.toEqual(day);
    expect(mixpanel().requests.count()).toBe(1);
  });

  it('counts an event per UTC day, week and month over the same export', async () => {
    const since = '2026-09-10T12:00:00Z';
    const until = '2026-10-20T00:00:00Z';
    type Series = { total: number; buckets: Array<{ start: string; end: string; count: number; users: number }> };
    const result = await stack.query<{ days: Series; weeks: Series; months: Series }>(
      `query($since: DateTime, $until: DateTime) {
        days: eventCounts(event: "Purchase", since: $since, until: $until, interval: DAY) { total buckets { start end count users } }
        weeks: eventCounts(event: "Purchase", since: $since, until: $until, interval: WEEK) { total buckets { start end count users } }
        months: eventCounts(event: "Purchase", since: $since, until: $until, interval: MONTH) { total buckets { start end count users } }
      }`,
      { since, until },
    );
    expect(result.errors).toBeUndefined();
    const purchases = mixpanel()
      .events()
      .filter((event) => event.event === 'Purchase')
      .filter(inside(since, until));
    const { days, weeks, months } = result.data!;
    for (const series of [days, weeks, months]) {
      expect(series.total).toBe(purchases.length);
      for (const bucket of series.buckets) {
        const within = purchases.filter((event) => event.timeMs >= ms(bucket.start) && event.timeMs < ms(bucket.end));
        expect(bucket.count).toBe(within.length);
        expect(bucket.users).toBe(new Set(within.map((event) => event.properties['distinct_id'])).size);
      }
    }
    expect(days.buckets[0]!.start).toBe('2026-09-10T00:00:00.000Z');
    expect(days.buckets).toHaveLength(40);
    expect(weeks.buckets[0]!.start).toBe('2026-09-07T00:00:00.000Z');
    expect(months.buckets.map((bucket) => bucket.start)).toEqual(['2026-09-01T00:00:00.000Z', '2026-10-01T00:00:00.000Z']);
    // One export serves all three series. (Under a loaded machine our fixed-window export quota can meet the
    // emulator's rolling one at a window edge: a 429 retried after Retry-After is the policy working, not a
    // second export.)
    expect(
      mixpanel()
        .requests.list()
        .filter((request) => request.status === 200),
    ).toHaveLength(1);
  });
});

describe('trackEvents', () => {
  const TRACK =
    'mutation($events: [TrackEventInput!]!) { trackEvents(events: $events) { accepted failed { index field reason insertId } } }';
  type Tracked = {
    trackEvents: { accepted: number; failed: Array<{ index: number; field: string; reason: string; insertId: string | null }> };
  };

  it('counts 5,000 events once even when the batch is sent twice', async () => {
    const base = ms('2026-11-20T00:00:00Z');
    const events = Array.from({ length: 5000 }, (_, n) => ({
      name: n % 3 === 0 ? 'Page View' : 'Feature Used',
      distinctId: `bulk-${n % 50}@example.com`,
      time: new Date(base + n * 1000).toISOString(),
      properties: { n },
    }));
    const stored = () =>
      mixpanel()
        .events()
        .filter((event) => String(event.properties['distinct_id']).startsWith('bulk-')).length;
    const first = await stack.query<Tracked>(TRACK, { events });
    expect(first.errors).toBeUndefined();
    expect(first.data!.trackEvents).toEqual({ accepted: 5000, failed: [] });
    expect(stored()).toBe(5000);
    // Within Mixpanel's caps: 2000 + 2000 + 1000.
    expect(
      mixpanel()
        .requests.list({ path: '/import' })
        .map((request) => request.status),
    ).toEqual([200, 200, 200]);

    const retry = await stack.query<Tracked>(TRACK, { events });
    expect(retry.data!.trackEvents.failed).toEqual([]);
    // Mixpanel keeps both copies in raw storage (so does the emulator); counts take each $insert_id once.
    expect(stored()).toBe(10_000);
    const counted = await stack.query<{ views: { total: number }; used: { total: number } }>(
      `query($since: DateTime, $until: DateTime) {
      views: eventCounts(event: "Page View", since: $since, until: $until) { total }
      used: eventCounts(event: "Feature Used", since: $since, until: $until) { total }
    }`,
      { since: new Date(base).toISOString(), until: new Date(base + 5000 * 1000).toISOString() },
    );
    expect(counted.errors).toBeUndefined();
    expect(counted.data!.views.total + counted.data!.used.total).toBe(5000);
  });

  it('reports invalid events by index and reason while storing the valid ones', async () => {
    const time = '2026-11-21T08:00:00Z';
    const events = [
      { name: 'Login', distinctId: 'mixed-0@example.com', time },
      { name: 'Login', distinctId: 'mixed-1@example.com', time: '1960-01-01T00:00:00Z' },
      { name: 'Login', distinctId: 'mixed-2@example.com', time, properties: 'not an object' },
      { name: 'Login', distinctId: 'mixed-3@example.com', time, insertId: 'caller-id-3' },
    ];
    const result = await stack.query<Tracked>(TRACK, { events });
    expect(result.errors).toBeUndefined();
    expect(result.data!.trackEvents.accepted).toBe(2);
    expect(result.data!.trackEvents.failed).toEqual([
      { index: 1, field: 'time', reason: expect.stringMatching(/1971/), insertId: expect.stringMatching(/^[0-9a-f]{32}$/) },
      { index: 2, field: 'properties', reason: expect.stringMatching(/object/), insertId: null },
    ]);
    const stored = mixpanel()
      .events()
      .filter((event) => String(event.properties['distinct_id']).startsWith('mixed-'));
    expect(stored.map((event) => [event.properties['distinct_id'], event.properties['$insert_id']])).toEqual([
      ['mixed-0@example.com', expect.stringMatching(/^[0-9a-f]{32}$/)],
      ['mixed-3@example.com', 'caller-id-3'],
    ]);
  });
});
