/**
 * Where the emulator used to be kinder than Mixpanel, through Mixpanel's documented HTTP API: the raw export
 * keeps every copy of a re-sent `$insert_id` (only reports deduplicate, at query time), and /import takes the
 * form body (`data=<base64 JSON>`) some official SDKs send.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMixpanelEmulator, type MixpanelEmulator } from '../../../emulators/mixpanel/index.js';
import { PROJECT_ID, SA_AUTH, exportEvents, importEvents, manualClock } from './helpers.js';

const clock = manualClock(Date.UTC(2026, 11, 10));
let emulator: MixpanelEmulator;
let url: string;

beforeAll(async () => {
  emulator = createMixpanelEmulator({ clock: clock.now, exportPerHour: 0, exportPerSecond: 0 });
  url = await emulator.listen();
});
afterAll(() => emulator.close());

describe('export keeps duplicates', () => {
  it('returns an event imported twice with one $insert_id twice', async () => {
    const event = {
      event: 'Purchase',
      properties: { time: Date.UTC(2026, 11, 5, 10), distinct_id: 'twice@x.com', $insert_id: 'order-991' },
    };
    expect((await importEvents(url, [event])).status).toBe(200);
    expect((await importEvents(url, [event])).status).toBe(200);
    const { events } = await exportEvents(url, {
      from_date: '2026-12-05',
      to_date: '2026-12-05',
      where: 'properties["distinct_id"] == "twice@x.com"',
    });
    expect(events.map((e) => e.properties['$insert_id'])).toEqual(['order-991', 'order-991']);
  });
});

describe('/import form body', () => {
  const post = (body: string) =>
    fetch(`${url}/import?strict=1&project_id=${PROJECT_ID}`, {
      method: 'POST',
      headers: { authorization: SA_AUTH, 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });

  it('accepts data=<base64 JSON array>', async () => {
    const events = [{ event: 'Signup', properties: { time: Date.UTC(2026, 11, 6), distinct_id: 'form@x.com', $insert_id: 'form-1' } }];
    const response = await post(new URLSearchParams({ data: Buffer.from(JSON.stringify(events)).toString('base64') }).toString());
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ code: 200, num_records_imported: 1, status: 'OK' });
    expect(emulator.events().filter((e) => e.properties['distinct_id'] === 'form@x.com')).toHaveLength(1);
  });

  it('refuses a form body without data, saying what to send', async () => {
    const response = await post('payload=x');
    expect(response.status).toBe(400);
    expect(JSON.stringify(await response.json())).toMatch(/data=/);
  });
});
