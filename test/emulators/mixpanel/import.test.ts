import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMixpanelEmulator, type MixpanelEmulator } from '../../../emulators/mixpanel/index.js';
import { importEvents, manualClock, PROJECT_ID, SA_AUTH, TOKEN_AUTH, type ImportEvent } from './helpers.js';

const NOW = Date.UTC(2026, 11, 1, 12);
const clock = manualClock(NOW);
let emulator: MixpanelEmulator;
let url: string;

beforeAll(async () => {
  emulator = createMixpanelEmulator({ people: 20, clock: clock.now });
  url = await emulator.listen();
});
afterAll(() => emulator.close());

function stored(distinctId: string) {
  return emulator.events().filter((event) => event.properties['distinct_id'] === distinctId);
}

function make(distinctId: string, count: number, base = Date.UTC(2026, 10, 20)): ImportEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    event: i % 2 === 0 ? 'Login' : 'Page View',
    properties: { time: base + i * 1000, distinct_id: distinctId, $insert_id: `${distinctId.replace(/\W/g, '')}-${i}`, n: i },
  }));
}

describe('POST /import', () => {
  it('stores a JSON array, answering num_records_imported', async () => {
    const result = await importEvents(url, make('json@x.com', 3));
    expect(result).toEqual({ status: 200, body: { code: 200, num_records_imported: 3, status: 'OK' } });
    expect(stored('json@x.com').map((event) => [event.event, event.timeMs, event.properties['n']])).toEqual([
      ['Login', Date.UTC(2026, 10, 20), 0],
      ['Page View', Date.UTC(2026, 10, 20) + 1000, 1],
      ['Login', Date.UTC(2026, 10, 20) + 2000, 2],
    ]);
  });

  it('accepts NDJSON and gzip, and time in seconds as well as ms', async () => {
    const ndjson = await importEvents(url, make('nd@x.com', 2), { ndjson: true });
    expect(ndjson.body).toEqual({ code: 200, num_records_imported: 2, status: 'OK' });
    const seconds = [{ event: 'Search', properties: { time: Date.UTC(2026, 10, 21) / 1000, distinct_id: 'gz@x.com', $insert_id: 'gz-1' } }];
    const gzip = await importEvents(url, seconds, { ndjson: true, gzip: true });
    expect(gzip.body).toEqual({ code: 200, num_records_imported: 1, status: 'OK' });
    const gzipJson = await importEvents(url, make('gzjson@x.com', 4), { gzip: true });
    expect(gzipJson.body).toEqual({ code: 200, num_records_imported: 4, status: 'OK' });
    expect(stored('nd@x.com')).toHaveLength(2);
    expect(stored('gz@x.com').map((event) => [event.event, event.timeMs])).toEqual([['Search', Date.UTC(2026, 10, 21)]]);
    expect(stored('gzjson@x.com')).toHaveLength(4);
  });

  it('authenticates with the project token as username and an empty password', async () => {
    const result = await importEvents(url, make('token@x.com', 1), { auth: TOKEN_AUTH, projectId: null });
    expect(result.body).toEqual({ code: 200, num_records_imported: 1, status: 'OK' });
  });

  it("keeps every copy of 5,000 events sent twice, as Mixpanel's raw storage does (reports dedupe at query time)", async () => {
    const events = make('bulk@x.com', 5000);
    const before = emulator.events().length;
    for (let round = 0; round < 2; round++) {
      for (const chunk of [events.slice(0, 2000), events.slice(2000, 4000), events.slice(4000)]) {
        const result = await importEvents(url, chunk);
        expect(result.body).toEqual({ code: 200, num_records_imported: chunk.length, status: 'OK' });
      }
    }
    expect(emulator.events().length - before).toBe(10_000);
    const bulk = stored('bulk@x.com');
    expect(new Set(bulk.map((event) => event.properties['$insert_id'])).size).toBe(5000);
  });

  it('keeps repeats of one $insert_id; a different time or event name is a different event either way', async () => {
    const base = { time: Date.UTC(2026, 10, 22), distinct_id: 'key@x.com', $insert_id: 'same-id' };
    await importEvents(url, [
      { event: 'Login', properties: base },
      { event: 'Login', properties: { ...base, plan: 'pro' } },
      { event: 'Search', properties: base },
      { event: 'Login', properties: { ...base, time: base.time + 1000 } },
    ]);
    const events = stored('key@x.com');
    expect(events.map((event) => [event.event, event.timeMs])).toEqual([
      ['Login', base.time],
      ['Login', base.time],
      ['Search', base.time],
      ['Login', base.time + 1000],
    ]);
    expect(events[1]!.properties['plan']).toBe('pro');
  });

  it('in strict mode reports each failed record and still stores the valid ones', async () => {
    const good = make('strict@x.com', 3);
    const tooMany = Object.fromEntries(Array.from({ length: 260 }, (_, i) => [`p${i}`, i]));
    const batch = [
      good[0],
      { event: 'Login', properties: { time: Date.UTC(2026, 10, 20), distinct_id: 'strict@x.com' } },
      { event: 'Login', properties: { time: NOW + 2 * 3600 * 1000, distinct_id: 'strict@x.com', $insert_id: 'future-1' } },
      good[1],
      { event: 'Login', properties: { time: Date.UTC(2026, 10, 20), distinct_id: 'strict@x.com', $insert_id: 'wide-1', ...tooMany } },
      { event: 'Login', properties: { distinct_id: 'strict@x.com', $insert_id: 'notime-1' } },
      // In seconds: a 1970 time in ms is too small to tell from seconds, and would read as the year 2383.
      { event: 'Login', properties: { time: Date.UTC(1970, 5, 1) / 1000, distinct_id: 'strict@x.com', $insert_id: 'old-1' } },
      good[2],
    ];
    const result = await importEvents(url, batch);
    expect(result).toEqual({
      status: 400,
      body: {
        code: 400,
        error: 'some data points in the request failed validation',
        failed_records: [
          { index: 1, field: 'properties.$insert_id', message: "'properties.$insert_id' is required" },
          {
            index: 2,
            insert_id: 'future-1',
            field: 'properties.time',
            message: "'properties.time' is invalid: must not be more than 1 hour in the future",
          },
          {
            index: 4,
            insert_id: 'wide-1',
            field: 'properties',
            message: "'properties' is invalid: an event must have fewer than 255 properties (it has 263)",
          },
          { index: 5, insert_id: 'notime-1', field: 'properties.time', message: "'properties.time' is required" },
          { index: 6, insert_id: 'old-1', field: 'properties.time', message: "'properties.time' is invalid: must be after 1971-01-01" },
        ],
        num_records_imported: 3,
        status: 'Bad Request',
      },
    });
    expect(stored('strict@x.com').map((event) => event.properties['$insert_id'])).toEqual(['strictxcom-0', 'strictxcom-1', 'strictxcom-2']);
  });

  it('judges "the future" by the clock', async () => {
    const event = { event: 'Login', properties: { time: NOW + 2 * 3600 * 1000, distinct_id: 'clock@x.com', $insert_id: 'clock-1' } };
    expect((await importEvents(url, [event])).status).toBe(400);
    clock.advance(2 * 3600 * 1000);
    expect((await importEvents(url, [event])).body).toEqual({ code: 200, num_records_imported: 1, status: 'OK' });
    clock.set(NOW);
  });

  it('without strict=1 silently keeps what it can', async () => {
    const batch = [
      { event: 'Login', properties: { time: Date.UTC(2026, 10, 20), distinct_id: 'lax@x.com' } },
      { event: 'Login', properties: { time: NOW + 5 * 3600 * 1000, distinct_id: 'lax@x.com', $insert_id: 'lax-future' } },
    ];
    const result = await importEvents(url, batch, { strict: false });
    expect(result).toEqual({ status: 200, body: { code: 200, num_records_imported: 1, status: 'OK' } });
    expect(stored('lax@x.com')).toHaveLength(1);
  });

  it('refuses more than 2000 events in one request, storing none of them', async () => {
    const result = await importEvents(url, make('over@x.com', 2001));
    expect(result).toEqual({
      status: 400,
      body: { code: 400, error: 'request contains 2001 events, more than the limit of 2000 per request', status: 'Bad Request' },
    });
    expect(stored('over@x.com')).toEqual([]);
  });

  it('refuses a body over 10 MB uncompressed with 413, even gzipped', async () => {
    const padding = 'x'.repeat(200);
    const events = make('big@x.com', 1000).map((event) => ({
      ...event,
      properties: { ...event.properties, ...Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`f${i}`, padding])) },
    }));
    const result = await importEvents(url, events, { gzip: true });
    expect(result).toEqual({
      status: 413,
      body: { code: 413, error: 'request exceeds max limit of 10485760 bytes', status: 'Request Entity Too Large' },
    });
    expect(stored('big@x.com')).toEqual([]);
  });

  it('answers an unparseable body with 400 in the ingestion shape', async () => {
    const response = await fetch(`${url}/import?strict=1&project_id=${PROJECT_ID}`, {
      method: 'POST',
      headers: { authorization: SA_AUTH, 'content-type': 'application/json' },
      body: '[{"event": ',
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({
      code: 400,
      error: 'unable to parse request body: expected a JSON array of events, or NDJSON with Content-Type application/x-ndjson',
      status: 'Bad Request',
    });
  });
});

describe('/import authentication', () => {
  const events = make('auth@x.com', 1);

  it('refuses a wrong secret, an unknown user and no credentials with 401', async () => {
    const wrongSecret = `Basic ${Buffer.from('emulator.sa:nope').toString('base64')}`;
    const unknown = `Basic ${Buffer.from('someone:emulator-secret').toString('base64')}`;
    for (const auth of [wrongSecret, unknown]) {
      expect(await importEvents(url, events, { auth })).toEqual({
        status: 401,
        body: { code: 401, error: 'Invalid credentials', status: 'Unauthorized' },
      });
    }
    const none = await fetch(`${url}/import?strict=1&project_id=${PROJECT_ID}`, { method: 'POST', body: '[]' });
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({
      code: 401,
      error: 'Missing credentials: use HTTP Basic authentication with a service account',
      status: 'Unauthorized',
    });
    expect(stored('auth@x.com')).toEqual([]);
  });

  it('needs project_id with a service account, and the right one', async () => {
    expect(await importEvents(url, events, { projectId: null })).toEqual({
      status: 400,
      body: { code: 400, error: 'project_id is required when authenticating with a service account', status: 'Bad Request' },
    });
    expect(await importEvents(url, events, { projectId: 999 })).toEqual({
      status: 403,
      body: { code: 403, error: 'service account does not have access to project 999', status: 'Forbidden' },
    });
  });
});
