import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@hubspot/api-client';
import type { HubSpotEmulator } from '../../../emulators/hubspot/index.js';
import { manualClock, sdkError, startHubSpot } from './testkit.js';

const clock = manualClock();
let emulator: HubSpotEmulator;
let client: Client;

beforeAll(async () => {
  ({ emulator, client } = await startHubSpot({ clock: clock.now, tenSecondlyLimit: 5, dailyLimit: 1000, searchPerSecond: 2 }));
});
afterAll(() => emulator.close());

describe('ten-secondly rolling limit', () => {
  it('counts down in the headers, answers 429 past the limit and recovers when the window rolls on', async () => {
    const remaining: string[] = [];
    for (let n = 0; n < 5; n++) {
      const answer = await client.crm.contacts.basicApi.getPageWithHttpInfo(1);
      remaining.push(answer.headers['x-hubspot-ratelimit-remaining'] ?? '');
      clock.advance(1000);
    }
    expect(remaining).toEqual(['4', '3', '2', '1', '0']);

    const error = await sdkError(client.crm.contacts.basicApi.getPage(1));
    expect(error.code).toBe(429);
    expect(error.body).toEqual({
      status: 'error',
      message: 'You have reached your ten_secondly_rolling limit.',
      errorType: 'RATE_LIMIT',
      correlationId: expect.any(String),
      policyName: 'TEN_SECONDLY_ROLLING',
    });
    expect(error.headers).toMatchObject({
      'content-type': expect.stringMatching(/^application\/json/),
      'x-hubspot-ratelimit-interval-milliseconds': '10000',
      'x-hubspot-ratelimit-max': '5',
      'x-hubspot-ratelimit-remaining': '0',
      'x-hubspot-ratelimit-daily': '1000',
      'x-hubspot-ratelimit-daily-remaining': '995',
    });

    // The first request was made 5 s ago; 5 s more and it leaves the rolling window, freeing one slot.
    clock.advance(5000);
    const answer = await client.crm.contacts.basicApi.getPageWithHttpInfo(1);
    expect(answer.httpStatusCode).toBe(200);
    expect(answer.headers['x-hubspot-ratelimit-remaining']).toBe('0');
    expect((await sdkError(client.crm.contacts.basicApi.getPage(1))).code).toBe(429);
  });
});

describe('search secondly limit', () => {
  it('answers 429 with the secondly message past the per-second search limit, and recovers a second later', async () => {
    clock.advance(60_000);
    await client.crm.contacts.searchApi.doSearch({ limit: 1 });
    await client.crm.contacts.searchApi.doSearch({ limit: 1 });
    const error = await sdkError(client.crm.contacts.searchApi.doSearch({ limit: 1 }));
    expect(error.code).toBe(429);
    expect(error.body).toMatchObject({
      status: 'error',
      message: 'You have reached your secondly limit.',
      errorType: 'RATE_LIMIT',
      policyName: 'SECONDLY',
    });
    clock.advance(1000);
    expect((await client.crm.contacts.searchApi.doSearch({ limit: 1 })).total).toBe(1000);
  });
});

describe('disabled limits', () => {
  it('sends no ten-secondly headers and never answers 429 when the limit is 0', async () => {
    const { emulator: unlimited, client: free } = await startHubSpot({ clock: clock.now, tenSecondlyLimit: 0, dailyLimit: 0 });
    try {
      let last: Record<string, string> = {};
      for (let n = 0; n < 30; n++) last = (await free.crm.companies.basicApi.getPageWithHttpInfo(1)).headers;
      expect(Object.keys(last).filter((name) => name.startsWith('x-hubspot-ratelimit'))).toEqual([]);
    } finally {
      await unlimited.close();
    }
  });
});
