/**
 * Mixpanel's raw export returns every copy of a re-sent event; its reports count each
 * (event, distinct_id, time, $insert_id) once. The emulator keeps the copies, as Mixpanel does, and every count
 * Interchange derives from the export must equal an independent deduplicated count.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MixpanelEvent } from '../../emulators/mixpanel/index.js';
import { startTestStack, type TestStack } from '../kit/stack.js';

let stack: TestStack;
const mixpanel = () => stack.emulators.mixpanel!;

const SINCE = '2026-09-01T00:00:00Z';
const UNTIL = '2026-11-01T00:00:00Z';
const ms = (iso: string): number => Date.parse(iso);
const inWindow = (event: MixpanelEvent): boolean => event.timeMs >= ms(SINCE) && event.timeMs < ms(UNTIL);
const keyOf = (event: MixpanelEvent): string =>
  JSON.stringify([event.event, event.properties['distinct_id'], event.timeMs, event.properties['$insert_id']]);

/** Every stored event once per Mixpanel's dedupe key: the count the answers must match. */
function deduplicated(events: readonly MixpanelEvent[]): MixpanelEvent[] {
  const seen = new Set<string>();
  return events.filter((event) => {
    const key = keyOf(event);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Sends events again through Mixpanel's documented /import (service account, strict), 2000 a request. */
async function importAgain(events: readonly MixpanelEvent[]): Promise<void> {
  const auth = `Basic ${Buffer.from('emulator.sa:emulator-secret').toString('base64')}`;
  for (let start = 0; start < events.length; start += 2000) {
    const body = events
      .slice(start, start + 2000)
      .map((event) => ({ event: event.event, properties: { ...event.properties, time: event.timeMs } }));
    const response = await fetch(`${mixpanel().url}/import?strict=1&project_id=1000`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
  }
}

let email: string;
beforeAll(async () => {
  stack = await startTestStack({ MIXPANEL_MAX_WINDOW_DAYS: '36500' });
  const all = mixpanel().events();
  email = String(all.filter(inWindow).find((event) => event.event === 'Purchase')!.properties['distinct_id']);
  // A retried import: the customer's events, and every Purchase and Page View in the window, sent again.
  await importAgain(
    all.filter(
      (event) =>
        inWindow(event) && (event.properties['distinct_id'] === email || event.event === 'Purchase' || event.event === 'Page View'),
    ),
  );
  // Same $insert_id, another time: a different event, counted on its own.
  const one = all.filter(inWindow).find((event) => event.properties['distinct_id'] === email)!;
  await importAgain([{ ...one, timeMs: one.timeMs + 1000 }]);
});
afterAll(() => stack.close());

describe('counts over an export holding duplicates', () => {
  it('the emulator really returns the copies', () => {
    const raw = mixpanel().events().filter(inWindow);
    expect(raw.length).toBeGreaterThan(deduplicated(raw).length);
  });

  it('counts a customer’s events and lastSeenAt once per $insert_id', async () => {
    const result = await stack.query<{
      customerByEmail: { lastSeenAt: string; eventCounts: Array<{ event: string; count: number }>; activity: { totalCount: number } };
    }>(
      `query($email: EmailAddress!, $since: DateTime, $until: DateTime) { customerByEmail(email: $email) {
        lastSeenAt(since: $since) eventCounts(since: $since, until: $until) { event count } activity(first: 1, since: $since, until: $until) { totalCount }
      } }`,
      { email, since: SINCE, until: UNTIL },
    );
    expect(result.errors).toBeUndefined();
    const own = deduplicated(
      mixpanel()
        .events()
        .filter((event) => event.properties['distinct_id'] === email && inWindow(event)),
    );
    const expected = new Map<string, number>();
    for (const event of own) expected.set(event.event, (expected.get(event.event) ?? 0) + 1);
    const answer = result.data!.customerByEmail;
    expect(new Map(answer.eventCounts.map(({ event, count }) => [event, count]))).toEqual(expected);
    expect(answer.activity.totalCount).toBe(own.length);
    const newest = own.reduce((max, event) => Math.max(max, event.timeMs), 0);
    expect(answer.lastSeenAt).toBe(new Date(newest).toISOString());
  });

  it('counts the series once per $insert_id, bucket by bucket', async () => {
    const result = await stack.query<{
      series: { total: number; buckets: Array<{ start: string; end: string; count: number; users: number }> };
    }>(
      `query($since: DateTime, $until: DateTime) { series: eventCounts(event: "Purchase", since: $since, until: $until, interval: WEEK) { total buckets { start end count users } } }`,
      { since: SINCE, until: UNTIL },
    );
    expect(result.errors).toBeUndefined();
    const purchases = deduplicated(
      mixpanel()
        .events()
        .filter((event) => event.event === 'Purchase' && inWindow(event)),
    );
    const series = result.data!.series;
    expect(series.total).toBe(purchases.length);
    for (const bucket of series.buckets) {
      expect(bucket.count).toBe(purchases.filter((event) => event.timeMs >= ms(bucket.start) && event.timeMs < ms(bucket.end)).length);
    }
  });

  it('does not let a copy stand in for a second step of a funnel', async () => {
    // Two Page Views in a row: a user with one Page View and its copy has not done the second step.
    const result = await stack.query<{ funnel: { steps: Array<{ count: number }> } }>(
      `query($since: DateTime, $until: DateTime) { funnel(steps: ["Page View", "Page View"], since: $since, until: $until, window: 2592000) { steps { count } } }`,
      { since: SINCE, until: UNTIL },
    );
    expect(result.errors).toBeUndefined();
    const views = deduplicated(
      mixpanel()
        .events()
        .filter((event) => event.event === 'Page View' && inWindow(event)),
    );
    const perUser = new Map<string, number[]>();
    for (const event of views) {
      const user = String(event.properties['distinct_id']);
      perUser.set(user, [...(perUser.get(user) ?? []), event.timeMs]);
    }
    const second = [...perUser.values()].filter((times) => {
      times.sort((a, b) => a - b);
      return times.some((time, index) => index > 0 && time - times[index - 1]! <= 2_592_000_000);
    }).length;
    expect(result.data!.funnel.steps.map((step) => step.count)).toEqual([perUser.size, second]);
  });
});
