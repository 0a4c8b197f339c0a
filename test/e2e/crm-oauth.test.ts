import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHubSpotEmulator, type HubSpotEmulator } from '../../emulators/hubspot/index.js';
import { startTestStack, type TestStack } from '../kit/stack.js';

// The emulator's clock is moved by hand; the subgraph keeps its own (real) one, as it would against HubSpot.
let now = Date.now();
let emulator: HubSpotEmulator;
let stack: TestStack;
let refreshToken: string;

beforeAll(async () => {
  emulator = createHubSpotEmulator({ clock: () => now, accessTokenTtlSeconds: 1800 });
  const baseUrl = await emulator.listen();
  const code = emulator.issueAuthorizationCode('http://127.0.0.1/callback');
  const token = await fetch(`${baseUrl}/oauth/v1/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: 'http://127.0.0.1/callback',
      client_id: 'emulator-client-id',
      client_secret: 'emulator-client-secret',
    }),
  });
  ({ refresh_token: refreshToken } = (await token.json()) as { refresh_token: string });
  stack = await startTestStack({
    HUBSPOT_BASE_URL: baseUrl,
    HUBSPOT_CLIENT_ID: 'emulator-client-id',
    HUBSPOT_CLIENT_SECRET: 'emulator-client-secret',
    HUBSPOT_REFRESH_TOKEN: refreshToken,
  });
});
afterAll(async () => {
  await stack.close();
  await emulator.close();
});

describe('CRM over OAuth', () => {
  it('gets an access token from the refresh token, and renews it silently when HubSpot says it expired', async () => {
    emulator.requests.clear();
    const first = await stack.query<{ customer: { id: string } }>('{ customer(id: "1001") { id } }');
    expect(first.errors).toBeUndefined();
    expect(first.data!.customer.id).toBe('1001');
    expect(emulator.requests.count({ path: '/oauth/v1/token' })).toBe(1);

    now += 31 * 60 * 1000; // past the 30-minute lifetime on HubSpot's side only
    const second = await stack.query<{ customer: { id: string } }>('{ customer(id: "1002") { id } }');
    expect(second.errors).toBeUndefined();
    expect(second.data!.customer.id).toBe('1002');
    expect(emulator.requests.list().map((entry) => `${entry.path} ${entry.status}`)).toEqual([
      '/oauth/v1/token 200',
      '/crm/v3/objects/contacts/1001 200',
      '/crm/v3/objects/contacts/1002 401',
      '/oauth/v1/token 200',
      '/crm/v3/objects/contacts/1002 200',
    ]);
  });

  it('never logs a token', () => {
    const text = JSON.stringify(stack.logLines);
    expect(text).not.toContain(refreshToken);
    expect(text).not.toContain('emulator-client-secret');
    expect(stack.logLines.some((line) => line.msg === 'hubspot access token refreshed')).toBe(true);
  });
});
