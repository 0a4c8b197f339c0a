import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMixpanelEmulator, type MixpanelEmulator, type MixpanelEvent } from '../../../emulators/mixpanel/index.js';
import { exportEvents, importEvents, manualClock } from './helpers.js';

const clock = manualClock(Date.UTC(2026, 11, 10));
let emulator: MixpanelEmulator;
let url: string;

beforeAll(async () => {
  // The quotas have their own test file; here every request must get through.
  emulator = createMixpanelEmulator({ clock: clock.now, exportPerHour: 0, exportPerSecond: 0 });
  url = await emulator.listen();
});
afterAll(() => emulator.close());

/** What export should answer, computed from events() without the emulator's filter code. */
function expected(events: readonly MixpanelEvent[], from: string, to: string, keep: (event: MixpanelEvent) => boolean) {
  const start = Date.parse(`${from}T00:00:00Z`);
  const end = Date.parse(`${to}T23:59:59.999Z`);
  return events
    .filter((event) => event.timeMs >= start && event.timeMs <= end && keep(event))
    .map((event) => ({ event: event.event, properties: { ...event.properties } }));
}

describe('GET /api/2.0/export', () => {
  it('includes both boundary days whole, in UTC, as text/plain JSONL in time order', async () => {
    const at = (iso: string, id: string) => ({
      event: 'Edge',
      properties: { time: Date.parse(iso), distinct_id: 'edge@x.com', $insert_id: id },
    });
    await importEvents(url, [
      at('2026-12-04T00:00:00Z', 'after'),
      at('2026-12-03T23:59:59Z', 'last'),
      at('2026-12-02T23:59:59Z', 'before'),
      at('2026-12-02T00:00:00Z', 'first'),
      at('2026-12-01T23:59:59Z', 'outside'),
    ]);
    const result = await exportEvents(url, { from_date: '2026-12-02', to_date: '2026-12-03' });
    expect(result.status).toBe(200);
    expect(result.contentType).toBe('text/plain; charset=utf-8');
    expect(result.events).toEqual([
      { event: 'Edge', properties: { time: Date.parse('2026-12-02T00:00:00Z') / 1000, distinct_id: 'edge@x.com', $insert_id: 'first' } },
      { event: 'Edge', properties: { time: Date.parse('2026-12-02T23:59:59Z') / 1000, distinct_id: 'edge@x.com', $insert_id: 'before' } },
      { event: 'Edge', properties: { time: Date.parse('2026-12-03T23:59:59Z') / 1000, distinct_id: 'edge@x.com', $insert_id: 'last' } },
    ]);
    expect(result.text.endsWith('\n')).toBe(true);
  });

  it('gives time in ms with time_in_ms=true', async () => {
    await importEvents(url, [
      { event: 'Precise', properties: { time: Date.UTC(2026, 11, 5) + 123, distinct_id: 'ms@x.com', $insert_id: 'ms-1' } },
    ]);
    const seconds = await exportEvents(url, { from_date: '2026-12-05', to_date: '2026-12-05', event: '["Precise"]' });
    const ms = await exportEvents(url, { from_date: '2026-12-05', to_date: '2026-12-05', event: '["Precise"]', time_in_ms: 'true' });
    expect(seconds.events.map((event) => event.properties['time'])).toEqual([Date.UTC(2026, 11, 5) / 1000]);
    expect(ms.events.map((event) => event.properties['time'])).toEqual([Date.UTC(2026, 11, 5) + 123]);
  });

  it('equals a filter over events() for a date range and an event list', async () => {
    const result = await exportEvents(url, { from_date: '2026-09-01', to_date: '2026-09-30', event: '["Purchase","Checkout Started"]' });
    const want = expected(
      emulator.events(),
      '2026-09-01',
      '2026-09-30',
      (event) => event.event === 'Purchase' || event.event === 'Checkout Started',
    );
    expect(want.length).toBeGreaterThan(500);
    expect(result.events).toEqual(want);
  });

  it('answers many customers at once in one request with `where properties["distinct_id"] in [...]`', async () => {
    const ids = emulator
      .profiles()
      .slice(0, 50)
      .map((profile) => profile.$distinct_id);
    emulator.requests.clear();
    const result = await exportEvents(url, {
      from_date: '2026-05-01',
      to_date: '2026-10-31',
      where: `properties["distinct_id"] in ${JSON.stringify(ids)}`,
    });
    const wanted = new Set(ids);
    const want = expected(emulator.events(), '2026-05-01', '2026-10-31', (event) => wanted.has(event.properties['distinct_id'] as string));
    expect(result.events).toEqual(want);
    expect(new Set(result.events.map((event) => event.properties['distinct_id']))).toEqual(wanted);
    expect(emulator.requests.count({ path: '/api/2.0/export' })).toBe(1);
  });

  it('filters with comparisons, and/or/not, defined() and list membership', async () => {
    const where =
      '(properties["amount"] >= 100 and properties["currency"] == "EUR") or ' +
      '(properties["feature"] in ["sso", "api"] and not properties["$browser"] == "Safari") or ' +
      '(defined(properties["page"]) and properties["page"] != "/" and properties["plan"] == "enterprise")';
    const result = await exportEvents(url, { from_date: '2026-05-01', to_date: '2026-10-31', where });
    const want = expected(
      emulator.events(),
      '2026-05-01',
      '2026-10-31',
      ({ properties: p }) =>
        ((p['amount'] as number) >= 100 && p['currency'] === 'EUR') ||
        (['sso', 'api'].includes(p['feature'] as string) && p['$browser'] !== 'Safari') ||
        (p['page'] !== undefined && p['page'] !== '/' && p['plan'] === 'enterprise'),
    );
    expect(want.length).toBeGreaterThan(100);
    expect(result.events).toEqual(want);
  });

  it('stops at limit', async () => {
    const all = await exportEvents(url, { from_date: '2026-10-01', to_date: '2026-10-31' });
    const limited = await exportEvents(url, { from_date: '2026-10-01', to_date: '2026-10-31', limit: '25' });
    expect(limited.events).toEqual(all.events.slice(0, 25));
  });

  it('answers an empty body when nothing matches', async () => {
    const result = await exportEvents(url, { from_date: '2020-01-01', to_date: '2020-01-31' });
    expect({ status: result.status, text: result.text }).toEqual({ status: 200, text: '' });
  });

  it.each([
    [{ to_date: '2026-10-01' }, "'from_date' is a required parameter"],
    [{ from_date: '2026-10-01' }, "'to_date' is a required parameter"],
    [{ from_date: '2026-13-01', to_date: '2026-10-01' }, `'from_date' is invalid: "2026-13-01" is not a date in the format YYYY-MM-DD`],
    [{ from_date: '2026-10-02', to_date: '2026-10-01' }, "'to_date' (2026-10-01) must not be before 'from_date' (2026-10-02)"],
    [
      { from_date: '2026-10-01', to_date: '2026-10-01', event: 'Purchase' },
      `'event' is invalid: expected a JSON array of event names, got "Purchase"`,
    ],
    [{ from_date: '2026-10-01', to_date: '2026-10-01', limit: '100001' }, "'limit' is invalid: must be an integer between 1 and 100000"],
    [
      { from_date: '2026-10-01', to_date: '2026-10-01', where: 'properties["plan"] = "pro"' },
      `'where' is invalid: unexpected "=" at position 19 (use "==" to compare)`,
    ],
    [
      { from_date: '2026-10-01', to_date: '2026-10-01', where: 'properties["plan"] == "pro" and' },
      "'where' is invalid: unexpected end of expression",
    ],
    [
      { from_date: '2026-10-01', to_date: '2026-10-01', where: 'properties["x"] in ["a", "b"' },
      `'where' is invalid: expected "," or "]" in the list opened at position 19, found end of expression`,
    ],
    [
      { from_date: '2026-10-01', to_date: '2026-10-01', where: 'plan == "pro"' },
      `'where' is invalid: unexpected word "plan" at position 0 (properties are written properties["plan"], strings in double quotes)`,
    ],
  ])('answers 400 with the problem named for %j', async (query, message) => {
    const params = new URLSearchParams({ project_id: '1000', ...query });
    const response = await fetch(`${url}/api/2.0/export?${params}`, {
      headers: { authorization: `Basic ${Buffer.from('emulator.sa:emulator-secret').toString('base64')}` },
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ error: message, status: 'error' });
  });

  it('needs a service account: the project token is not enough', async () => {
    const token = `Basic ${Buffer.from('mp-emulator-token:').toString('base64')}`;
    const result = await fetch(`${url}/api/2.0/export?project_id=1000&from_date=2026-10-01&to_date=2026-10-01`, {
      headers: { authorization: token },
    });
    expect(result.status).toBe(401);
    expect(await result.json()).toEqual({ error: 'Invalid credentials', status: 'error' });
  });

  it('answers unknown paths with JSON, not an HTML page', async () => {
    const response = await fetch(`${url}/api/2.0/nothing-here`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'no such endpoint: GET /api/2.0/nothing-here', status: 'error' });
  });
});
