import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMixpanelEmulator, type MixpanelEmulator } from '../../../emulators/mixpanel/index.js';
import { manualClock, SA_AUTH } from './helpers.js';

const START = Date.UTC(2026, 11, 1, 9);
const clock = manualClock(START);
let emulator: MixpanelEmulator;
let url: string;

beforeAll(async () => {
  emulator = createMixpanelEmulator({ people: 5, clock: clock.now, queryPerHour: 2 });
  url = await emulator.listen();
});
afterAll(() => emulator.close());

async function exportOnce() {
  const response = await fetch(`${url}/api/2.0/export?project_id=1000&from_date=2026-10-01&to_date=2026-10-31&limit=1`, {
    headers: { authorization: SA_AUTH },
  });
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: await response.text() };
}

describe('query quotas', () => {
  it('allows 3 exports a second, then 429 with Retry-After until the clock moves on', async () => {
    for (let i = 0; i < 3; i++) expect((await exportOnce()).status).toBe(200);
    expect(await exportOnce()).toEqual({
      status: 429,
      retryAfter: '1',
      body: JSON.stringify({ error: 'export rate limit exceeded: at most 3 queries per second', status: 'error' }),
    });
    clock.advance(1000);
    expect((await exportOnce()).status).toBe(200);
  });

  it('allows 60 exports an hour, counting only admitted ones, then recovers as the oldest leave the window', async () => {
    // 4 admitted so far, at START and START + 1 s; spread the rest so the per-second limit stays out of the way.
    for (let i = 4; i < 60; i++) {
      clock.advance(1000);
      expect((await exportOnce()).status).toBe(200);
    }
    clock.advance(1000);
    const refused = await exportOnce();
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body)).toEqual({ error: 'export rate limit exceeded: at most 60 queries per hour', status: 'error' });
    // The first three were admitted at START; they leave the window one hour later.
    const wait = START + 3600 * 1000 - clock.now();
    expect(Number(refused.retryAfter)).toBe(Math.ceil(wait / 1000));
    clock.advance(wait - 1000);
    expect((await exportOnce()).status).toBe(429);
    clock.advance(1000);
    expect((await exportOnce()).status).toBe(200);
  });

  it('limits engage by the hourly query quota', async () => {
    const engage = () => fetch(`${url}/api/2.0/engage?project_id=1000`, { method: 'POST', headers: { authorization: SA_AUTH } });
    expect((await engage()).status).toBe(200);
    clock.advance(10_000);
    expect((await engage()).status).toBe(200);
    const refused = await engage();
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe(String(3600 - 10));
    expect(await refused.json()).toEqual({ error: 'query rate limit exceeded: at most 2 queries per hour', status: 'error' });
    clock.advance(3600 * 1000);
    expect((await engage()).status).toBe(200);
  });
});
