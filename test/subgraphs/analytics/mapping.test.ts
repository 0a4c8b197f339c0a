import { describe, expect, it } from 'vitest';
import {
  DAY_MS,
  deriveInsertId,
  funnelDepth,
  newestFirst,
  parseExport,
  splitBatches,
  toBuckets,
  toCustomerEventCounts,
  toDayRange,
  toDistinctIdWhere,
  toEvent,
  toEventConnection,
  toFunnelSteps,
  toImportEvent,
  toInputField,
  toLastSeenAt,
  toWindow,
  type RawEvent,
} from '../../../subgraphs/analytics/mapping.js';

/** Lines as /api/2.0/export writes them (time in seconds by default, in ms with time_in_ms). */
const EXPORT_BODY = [
  '{"event":"Sign Up","properties":{"time":1777699896,"distinct_id":"ada@example.com","$insert_id":"s42-p1-e0","$browser":"Safari","mp_country_code":"US","plan":"free"}}',
  '{"event":"Page View","properties":{"time":1777700000123,"distinct_id":"ada@example.com","$insert_id":"s42-p1-e1","page":"/pricing"}}',
  '',
  'not json',
  '{"event":"Login","properties":{"time":1777700500,"distinct_id":"bob@example.com"}}',
  '{"event":"Broken","properties":{"distinct_id":"bob@example.com"}}',
].join('\n');

const at = (iso: string): number => Date.parse(iso);
const raw = (name: string, distinctId: string, iso: string, insertId?: string): RawEvent => ({ name, distinctId, timeMs: at(iso), insertId, properties: {} });

describe('export parsing and Event', () => {
  it('reads seconds and milliseconds, keeps the rest of the properties and skips unreadable lines', () => {
    const { events, malformed } = parseExport(EXPORT_BODY);
    expect(malformed).toBe(2);
    expect(events.map((event) => [event.name, event.timeMs, event.distinctId, event.insertId])).toEqual([
      ['Sign Up', 1777699896000, 'ada@example.com', 's42-p1-e0'],
      ['Page View', 1777700000123, 'ada@example.com', 's42-p1-e1'],
      ['Login', 1777700500000, 'bob@example.com', undefined],
    ]);
    expect(toEvent(events[0]!)).toEqual({
      __typename: 'Event',
      id: 's42-p1-e0',
      name: 'Sign Up',
      time: '2026-05-02T05:31:36.000Z',
      distinctId: 'ada@example.com',
      properties: { $browser: 'Safari', mp_country_code: 'US', plan: 'free' },
    });
    // No $insert_id: a stable hash stands in, the same on every export.
    const id = toEvent(events[2]!).id;
    expect(id).toMatch(/^h-[0-9a-f]{32}$/);
    expect(toEvent(parseExport(EXPORT_BODY).events[2]!).id).toBe(id);
  });
});

describe('windows', () => {
  const now = at('2026-11-28T15:00:00Z');
  it('defaults until to now and since to the given days before it', () => {
    expect(toWindow({}, { now, defaultDays: 30, maxDays: 366 })).toEqual({ sinceMs: now - 30 * DAY_MS, untilMs: now });
    expect(toWindow({ since: '2026-10-01T00:00:00Z' }, { now, defaultDays: 30, maxDays: 366 })).toEqual({ sinceMs: at('2026-10-01T00:00:00Z'), untilMs: now });
  });
  it('refuses a reversed or too long window, naming the argument', () => {
    expect(() => toWindow({ since: '2026-10-02T00:00:00Z', until: '2026-10-01T00:00:00Z' }, { now, defaultDays: 30, maxDays: 366 })).toThrow(
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'since' }) }),
    );
    expect(() => toWindow({ since: '2020-01-01T00:00:00Z' }, { now, defaultDays: 30, maxDays: 366 })).toThrow(/366 days/);
  });
  it('covers the window with whole UTC days, up to today', () => {
    const days = (window: { sinceMs: number; untilMs: number }) => {
      const range = toDayRange(window, now);
      return range && [new Date(range.from * DAY_MS).toISOString().slice(0, 10), new Date(range.to * DAY_MS).toISOString().slice(0, 10)];
    };
    expect(days({ sinceMs: at('2026-10-01T22:00:00Z'), untilMs: at('2026-10-03T00:00:00Z') })).toEqual(['2026-10-01', '2026-10-02']);
    expect(days({ sinceMs: at('2026-10-01T00:00:00Z'), untilMs: at('2026-10-03T00:00:01Z') })).toEqual(['2026-10-01', '2026-10-03']);
    expect(days({ sinceMs: at('2026-11-20T00:00:00Z'), untilMs: at('2026-12-31T00:00:00Z') })).toEqual(['2026-11-20', '2026-11-28']);
    expect(days({ sinceMs: at('2026-12-01T00:00:00Z'), untilMs: at('2026-12-31T00:00:00Z') })).toBeUndefined();
  });
  it('selects many users with one `in` over a list', () => {
    expect(toDistinctIdWhere(['a@x.com', 'b"q@x.com'])).toBe('properties["distinct_id"] in ["a@x.com","b\\"q@x.com"]');
  });
});

describe('customer activity', () => {
  const events = [
    raw('Login', 'a@x.com', '2026-10-01T10:00:00Z', 'e1'),
    raw('Page View', 'a@x.com', '2026-10-02T10:00:00Z', 'e2'),
    raw('Page View', 'a@x.com', '2026-10-03T10:00:00Z', 'e3'),
    raw('Purchase', 'a@x.com', '2026-10-04T10:00:00Z', 'e4'),
  ];
  it('pages newest first, each cursor resuming right after its event', () => {
    const sorted = newestFirst(events);
    const first = toEventConnection(sorted, { first: 2 });
    expect(first.nodes.map((node) => node.id)).toEqual(['e4', 'e3']);
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect(first.totalCount).toBe(4);
    // A newer event arriving meanwhile does not shift the next page.
    const grown = newestFirst([...events, raw('Login', 'a@x.com', '2026-10-05T10:00:00Z', 'e5')]);
    const second = toEventConnection(grown, { first: 2, after: first.pageInfo.endCursor });
    expect(second.nodes.map((node) => node.id)).toEqual(['e2', 'e1']);
    expect(second.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    expect(toEventConnection(sorted, { first: 1, after: first.edges[0]!.cursor }).nodes[0]!.id).toBe('e3');
  });
  it('refuses a foreign cursor', () => {
    expect(() => toEventConnection(events, { after: 'nope' })).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ field: 'after' }) }));
  });
  it('counts per event, most frequent first, and names zero counts when asked', () => {
    expect(toCustomerEventCounts(events).map(({ event, count }) => [event, count])).toEqual([['Page View', 2], ['Login', 1], ['Purchase', 1]]);
    expect(toCustomerEventCounts(events, ['Purchase', 'Sign Up']).map(({ event, count }) => [event, count])).toEqual([['Purchase', 1], ['Sign Up', 0]]);
    expect(toLastSeenAt(events)).toBe('2026-10-04T10:00:00.000Z');
    expect(toLastSeenAt([])).toBeNull();
  });
});

describe('time series buckets', () => {
  const events = [
    raw('Purchase', 'a@x.com', '2026-09-28T00:00:00Z'), // Monday
    raw('Purchase', 'a@x.com', '2026-10-01T12:00:00Z'),
    raw('Purchase', 'b@x.com', '2026-10-01T13:00:00Z'),
    raw('Purchase', 'b@x.com', '2026-10-05T00:00:00Z'), // Monday
    raw('Purchase', 'c@x.com', '2026-10-31T23:59:59Z'),
    raw('Purchase', 'c@x.com', '2026-11-01T00:00:00Z'), // outside the window
  ];
  const window = { sinceMs: at('2026-09-30T06:00:00Z'), untilMs: at('2026-11-01T00:00:00Z') };
  it('buckets by UTC day, ISO week and calendar month, empty buckets included, only the window counted', () => {
    const days = toBuckets(events, window, 'DAY');
    expect(days).toHaveLength(32);
    expect(days[0]).toMatchObject({ start: '2026-09-30T00:00:00.000Z', end: '2026-10-01T00:00:00.000Z', count: 0 });
    expect(days[1]).toMatchObject({ start: '2026-10-01T00:00:00.000Z', count: 2, users: 2 });
    expect(days[31]).toMatchObject({ start: '2026-10-31T00:00:00.000Z', count: 1 });
    const weeks = toBuckets(events, window, 'WEEK');
    expect(weeks[0]).toMatchObject({ start: '2026-09-28T00:00:00.000Z', end: '2026-10-05T00:00:00.000Z', count: 2, users: 2 });
    expect(weeks[1]).toMatchObject({ start: '2026-10-05T00:00:00.000Z', count: 1 });
    const months = toBuckets(events, window, 'MONTH');
    expect(months.map((bucket) => [bucket.start, bucket.end, bucket.count, bucket.users])).toEqual([
      ['2026-09-01T00:00:00.000Z', '2026-10-01T00:00:00.000Z', 0, 0],
      ['2026-10-01T00:00:00.000Z', '2026-11-01T00:00:00.000Z', 4, 3],
    ]);
  });
});

describe('funnels', () => {
  const steps = ['Add To Cart', 'Checkout Started', 'Purchase'];
  it('takes the best entry and the earliest later match within the conversion window', () => {
    const user = [
      raw('Add To Cart', 'a', '2026-10-01T00:00:00Z'),
      raw('Checkout Started', 'a', '2026-10-03T00:00:00Z'), // more than a day after the first entry
      raw('Add To Cart', 'a', '2026-10-03T12:00:00Z'),
      raw('Checkout Started', 'a', '2026-10-03T13:00:00Z'),
      raw('Purchase', 'a', '2026-10-03T14:00:00Z'),
    ];
    expect(funnelDepth(user, steps, DAY_MS)).toBe(3);
    expect(funnelDepth(user.slice(0, 2), steps, DAY_MS)).toBe(1);
    expect(funnelDepth(user.slice(0, 2), steps, 3 * DAY_MS)).toBe(2);
    // Order matters: a purchase before the checkout does not count.
    expect(funnelDepth([raw('Add To Cart', 'a', '2026-10-01T00:00:00Z'), raw('Purchase', 'a', '2026-10-01T01:00:00Z'), raw('Checkout Started', 'a', '2026-10-01T02:00:00Z')], steps, DAY_MS)).toBe(2);
  });
  it('counts distinct users per step with conversions, only events inside the window', () => {
    const events = [
      raw('Add To Cart', 'a', '2026-10-01T00:00:00Z'),
      raw('Checkout Started', 'a', '2026-10-01T01:00:00Z'),
      raw('Purchase', 'a', '2026-10-01T02:00:00Z'),
      raw('Add To Cart', 'a', '2026-10-02T00:00:00Z'), // a second entry: still one user
      raw('Add To Cart', 'b', '2026-10-01T00:00:00Z'),
      raw('Checkout Started', 'b', '2026-10-01T01:00:00Z'),
      raw('Purchase', 'b', '2026-10-10T02:00:00Z'), // after the window
      raw('Add To Cart', 'c', '2026-09-30T00:00:00Z'), // entry before the window
      raw('Checkout Started', 'c', '2026-10-01T01:00:00Z'),
      raw('Add To Cart', 'd', '2026-10-02T00:00:00Z'),
    ];
    const window = { sinceMs: at('2026-10-01T00:00:00Z'), untilMs: at('2026-10-05T00:00:00Z') };
    expect(toFunnelSteps(events, steps, window, 30 * DAY_MS).map(({ event, count, conversionFromPrevious, conversionFromFirst }) => [event, count, conversionFromPrevious, conversionFromFirst])).toEqual([
      ['Add To Cart', 3, 1, 1],
      ['Checkout Started', 2, 2 / 3, 2 / 3],
      ['Purchase', 1, 0.5, 1 / 3],
    ]);
    expect(toFunnelSteps([], steps, window, DAY_MS).map((step) => [step.count, step.conversionFromPrevious])).toEqual([[0, 1], [0, 0], [0, 0]]);
  });
});

describe('ingestion', () => {
  const input = { name: 'Purchase', distinctId: 'a@x.com', time: '2026-11-20T10:00:00Z', properties: { amount: 12.5, items: [{ sku: 'x', qty: 1 }] } };
  it('derives the same insert id for the same event whatever the key order, a different one otherwise', () => {
    const prepared = toImportEvent(input, 0);
    expect(prepared).toMatchObject({ index: 0, event: { event: 'Purchase', properties: { amount: 12.5, time: at('2026-11-20T10:00:00Z'), distinct_id: 'a@x.com' } } });
    const insertId = (prepared as { insertId: string }).insertId;
    expect(insertId).toMatch(/^[0-9a-f]{32}$/);
    const reordered = toImportEvent({ ...input, properties: { items: [{ qty: 1, sku: 'x' }], amount: 12.5 } }, 7);
    expect((reordered as { insertId: string }).insertId).toBe(insertId);
    expect(deriveInsertId({ name: 'Purchase', distinctId: 'a@x.com', timeMs: at('2026-11-20T10:00:01Z'), properties: input.properties })).not.toBe(insertId);
    expect((toImportEvent({ ...input, insertId: 'my-id-1' }, 0) as { insertId: string }).insertId).toBe('my-id-1');
  });
  it('reports what cannot be sent with the input index and field', () => {
    expect(toImportEvent({ ...input, properties: [1, 2] }, 3)).toMatchObject({ index: 3, field: 'properties' });
    expect(toImportEvent({ ...input, properties: { time: 1 } }, 4)).toMatchObject({ index: 4, field: 'properties', reason: expect.stringMatching(/time/) });
    expect(toImportEvent({ ...input, insertId: 'not valid!' }, 5)).toMatchObject({ index: 5, field: 'insertId', insertId: 'not valid!' });
    expect(toImportEvent({ ...input, properties: { blob: 'x'.repeat(1024 * 1024) } }, 6)).toMatchObject({ index: 6, field: 'properties', reason: expect.stringMatching(/1 MB/) });
  });
  it('splits into requests under both the event and the byte cap, in order', () => {
    const events = Array.from({ length: 5000 }, (_, index) => ({ index, bytes: 100 }));
    expect(splitBatches(events).map((batch) => batch.length)).toEqual([2000, 2000, 1000]);
    // 10 events of 400 bytes: a 1000-byte cap holds 2 (2 + 400 + 1 + 400 = 803), not 3 (1204).
    const big = Array.from({ length: 10 }, (_, index) => ({ index, bytes: 400 }));
    const batches = splitBatches(big, 2000, 1000);
    expect(batches.map((batch) => batch.length)).toEqual([2, 2, 2, 2, 2]);
    expect(batches.flat().map((event) => event.index)).toEqual(big.map((event) => event.index));
    expect(splitBatches([])).toEqual([]);
  });
  it("maps Mixpanel's failed_records fields to input fields", () => {
    expect(['event', 'properties.time', 'properties.distinct_id', 'properties.$insert_id', 'properties'].map(toInputField)).toEqual(['name', 'time', 'distinctId', 'insertId', 'properties']);
  });
});
