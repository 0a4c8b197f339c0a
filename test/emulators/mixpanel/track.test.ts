import Mixpanel from 'mixpanel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMixpanelEmulator, type MixpanelEmulator } from '../../../emulators/mixpanel/index.js';
import { manualClock, TOKEN } from './helpers.js';

const NOW = Date.UTC(2026, 11, 1, 12);
const DAY = 24 * 3600 * 1000;
const clock = manualClock(NOW);
let emulator: MixpanelEmulator;
let port: number;

beforeAll(async () => {
  emulator = createMixpanelEmulator({ people: 10, clock: clock.now });
  port = Number(new URL(await emulator.listen()).port);
});
afterAll(() => emulator.close());

function client(token = TOKEN, verbose = false): Mixpanel.Mixpanel {
  // `port` is read by the SDK but missing from its InitConfig type.
  const config: Partial<Mixpanel.InitConfig> & { port: number } = { host: '127.0.0.1', port, protocol: 'http', verbose };
  return Mixpanel.init(token, config);
}

function track(mixpanel: Mixpanel.Mixpanel, event: string, properties: Mixpanel.PropertyDict): Promise<Error | undefined> {
  return new Promise((resolve) => mixpanel.track(event, properties, (error) => resolve(error)));
}

function trackBatch(mixpanel: Mixpanel.Mixpanel, events: Mixpanel.Event[]): Promise<Error[] | undefined> {
  return new Promise((resolve) => mixpanel.track_batch(events, (errors) => resolve(errors ?? undefined)));
}

function stored(distinctId: string) {
  return emulator.events().filter((event) => event.properties['distinct_id'] === distinctId);
}

describe('/track through the mixpanel package', () => {
  it('mixpanel.track lands one event, stamped with the clock when it has no time', async () => {
    const error = await track(client(), 'Login', { distinct_id: 'one@x.com', method: 'sso' });
    expect(error).toBeUndefined();
    const events = stored('one@x.com');
    expect(events).toHaveLength(1);
    const { $insert_id: insertId, ...properties } = events[0]!.properties;
    expect(events[0]!.event).toBe('Login');
    expect(events[0]!.timeMs).toBe(NOW);
    expect(properties).toEqual({
      time: NOW / 1000,
      distinct_id: 'one@x.com',
      method: 'sso',
      mp_lib: 'node',
      $lib_version: '0.24.0',
    });
    expect(insertId).toEqual(expect.any(String));
    expect(emulator.requests.count({ method: 'GET', path: '/track' })).toBe(1);
  });

  it('track_batch posts batches of 50 and lands every event', async () => {
    const events = Array.from({ length: 120 }, (_, i) => ({
      event: 'Page View',
      properties: { distinct_id: 'batch@x.com', time: new Date(NOW - DAY + i * 1000), page: `/p/${i}`, $insert_id: `batch-${i}` },
    }));
    emulator.requests.clear();
    expect(await trackBatch(client(), events)).toBeUndefined();
    expect(emulator.requests.count({ method: 'POST', path: '/track' })).toBe(3);
    const landed = stored('batch@x.com');
    expect(landed.map((event) => [event.timeMs, event.properties['page']])).toEqual(
      events.map((_, i) => [NOW - DAY + i * 1000, `/p/${i}`]),
    );
  });

  it('refuses events older than 5 days (the SDK reports the 0)', async () => {
    const error = await track(client(), 'Login', { distinct_id: 'old@x.com', time: NOW - 6 * DAY });
    expect(error?.message).toBe('Mixpanel Server Error: 0');
    const verbose = await track(client(TOKEN, true), 'Login', { distinct_id: 'old@x.com', time: NOW - 6 * DAY });
    expect(verbose?.message).toBe(
      "Mixpanel Server Error: 'properties.time' is invalid: /track accepts only events from the last 5 days, use /import",
    );
    expect(stored('old@x.com')).toEqual([]);
  });

  it('keeps the fresh events of a batch and drops the old ones', async () => {
    const events = [
      { event: 'Login', properties: { distinct_id: 'mixed@x.com', time: NOW - 6 * DAY, $insert_id: 'mixed-old' } },
      { event: 'Login', properties: { distinct_id: 'mixed@x.com', time: NOW - 4 * DAY, $insert_id: 'mixed-new' } },
    ];
    expect(await trackBatch(client(), events)).toBeUndefined();
    expect(stored('mixed@x.com').map((event) => event.properties['$insert_id'])).toEqual(['mixed-new']);
  });

  it('refuses a wrong project token with 401', async () => {
    emulator.requests.clear();
    const error = await track(client('not-the-token', true), 'Login', { distinct_id: 'intruder@x.com' });
    expect(error?.message).toBe('Mixpanel Server Error: Invalid token');
    expect(emulator.requests.list({ path: '/track' }).map((entry) => entry.status)).toEqual([401]);
    expect(stored('intruder@x.com')).toEqual([]);
  });

  it('answers {status:1, error:null} with verbose=1', async () => {
    const data = Buffer.from(JSON.stringify({ event: 'Search', properties: { token: TOKEN, distinct_id: 'v@x.com' } })).toString('base64');
    const response = await fetch(`http://127.0.0.1:${port}/track?verbose=1&data=${encodeURIComponent(data)}`);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ status: 1, error: null });
    const plain = await fetch(`http://127.0.0.1:${port}/track?data=${encodeURIComponent(data)}`);
    expect(await plain.text()).toBe('1');
  });
});
