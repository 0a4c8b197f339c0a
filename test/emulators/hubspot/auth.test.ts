import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@hubspot/api-client';
import type { HubSpotEmulator } from '../../../emulators/hubspot/index.js';
import { manualClock, sdkError, startHubSpot } from './testkit.js';

const clock = manualClock();
const CLIENT_ID = 'emulator-client-id';
const CLIENT_SECRET = 'emulator-client-secret';
const REDIRECT = 'http://127.0.0.1:9/callback';
let emulator: HubSpotEmulator;
let client: Client;

beforeAll(async () => {
  ({ emulator, client } = await startHubSpot({ clock: clock.now, accessTokenTtlSeconds: 60 }));
});
afterAll(() => emulator.close());

describe('private app tokens', () => {
  it('answers 401 INVALID_AUTHENTICATION in JSON without or with an unknown token', async () => {
    for (const accessToken of [undefined, 'pat-unknown']) {
      const anonymous = new Client({ accessToken, basePath: emulator.url });
      const error = await sdkError(anonymous.crm.contacts.basicApi.getPage(1));
      expect(error.code).toBe(401);
      expect(error.body).toEqual({
        status: 'error',
        message: expect.stringMatching(/^Authentication credentials not found/),
        correlationId: expect.any(String),
        category: 'INVALID_AUTHENTICATION',
      });
    }
  });

  it('never writes tokens into the request log', async () => {
    await client.crm.contacts.basicApi.getPage(1);
    expect(JSON.stringify(emulator.requests.entries)).not.toContain('pat-emulator');
  });
});

describe('OAuth', () => {
  it('code -> token -> call -> expiry -> 401 EXPIRED_AUTHENTICATION -> refresh -> call again', async () => {
    const oauthClient = new Client({ basePath: emulator.url });
    const code = emulator.issueAuthorizationCode(REDIRECT);
    const tokens = await oauthClient.oauth.tokensApi.create('authorization_code', code, REDIRECT, CLIENT_ID, CLIENT_SECRET);
    expect(tokens).toEqual({
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      expiresIn: 60,
      tokenType: 'bearer',
    });

    oauthClient.setAccessToken(tokens.accessToken);
    expect((await oauthClient.crm.contacts.basicApi.getById('1001')).id).toBe('1001');

    clock.advance(65_000);
    const expired = await sdkError(oauthClient.crm.contacts.basicApi.getById('1001'));
    expect(expired.code).toBe(401);
    expect(expired.body).toMatchObject({
      status: 'error',
      category: 'EXPIRED_AUTHENTICATION',
      message: 'The OAuth token used to make this call expired 5 second(s) ago.',
    });

    const refreshed = await oauthClient.oauth.tokensApi.create(
      'refresh_token',
      undefined,
      undefined,
      CLIENT_ID,
      CLIENT_SECRET,
      tokens.refreshToken,
    );
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    expect(refreshed.refreshToken).toBe(tokens.refreshToken);
    oauthClient.setAccessToken(refreshed.accessToken);
    expect((await oauthClient.crm.contacts.basicApi.getById('1001')).id).toBe('1001');
  });

  it('authorize auto-consents and redirects with a code and the state', async () => {
    const response = await fetch(emulator.authorizeUrl({ redirectUri: REDIRECT, scope: 'crm.objects.contacts.read', state: 's-1' }), {
      redirect: 'manual',
    });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
    expect(location.searchParams.get('state')).toBe('s-1');
    const code = location.searchParams.get('code') ?? '';
    const oauthClient = new Client({ basePath: emulator.url });
    const tokens = await oauthClient.oauth.tokensApi.create('authorization_code', code, REDIRECT, CLIENT_ID, CLIENT_SECRET);
    expect(tokens.tokenType).toBe('bearer');
  });

  it('the admin route issues codes too, and codes are single-use', async () => {
    const response = await fetch(`${emulator.url}/_emulator/oauth/code`, { method: 'POST' });
    const { code } = (await response.json()) as { code: string };
    const oauthClient = new Client({ basePath: emulator.url });
    await oauthClient.oauth.tokensApi.create('authorization_code', code, REDIRECT, CLIENT_ID, CLIENT_SECRET);
    const reused = await sdkError(oauthClient.oauth.tokensApi.create('authorization_code', code, REDIRECT, CLIENT_ID, CLIENT_SECRET));
    expect(reused.code).toBe(400);
    expect(reused.body).toEqual({ status: 'BAD_AUTH_CODE', message: expect.any(String), correlationId: expect.any(String) });
  });

  it('refuses an unknown refresh token and a wrong client secret', async () => {
    const oauthClient = new Client({ basePath: emulator.url });
    const badRefresh = await sdkError(
      oauthClient.oauth.tokensApi.create('refresh_token', undefined, undefined, CLIENT_ID, CLIENT_SECRET, 'nope'),
    );
    expect(badRefresh.code).toBe(400);
    expect(badRefresh.body).toMatchObject({ status: 'BAD_REFRESH_TOKEN' });
    const code = emulator.issueAuthorizationCode();
    const badSecret = await sdkError(oauthClient.oauth.tokensApi.create('authorization_code', code, REDIRECT, CLIENT_ID, 'wrong'));
    expect(badSecret.code).toBe(400);
    expect(badSecret.body).toMatchObject({ status: 'BAD_CLIENT_SECRET' });
  });
});
