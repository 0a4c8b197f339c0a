import { describe, expect, it } from 'vitest';
import { MixpanelHttpError, toAnalyticsError } from '../../../subgraphs/analytics/client.js';
import { readAnalyticsConfig } from '../../../subgraphs/analytics/config.js';

describe('toAnalyticsError', () => {
  it('turns a 429 into UPSTREAM_RATE_LIMITED with Retry-After', () => {
    const error = toAnalyticsError(new MixpanelHttpError(429, '{"error":"export rate limit exceeded: at most 60 queries per hour","status":"error"}', '1834'));
    expect(error.extensions).toEqual({ code: 'UPSTREAM_RATE_LIMITED', upstream: 'mixpanel', retryAfter: 1834 });
  });
  it('turns refused credentials, server errors, timeouts and network failures into their own classes', () => {
    expect(toAnalyticsError(new MixpanelHttpError(401, '{"error":"Invalid credentials","status":"error"}', null)).extensions.code).toBe('UPSTREAM_ERROR');
    expect(toAnalyticsError(new MixpanelHttpError(502, '', null)).extensions.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(toAnalyticsError(new DOMException('The operation was aborted due to timeout', 'TimeoutError')).extensions.code).toBe('UPSTREAM_TIMEOUT');
    expect(toAnalyticsError(new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED') })).extensions.code).toBe('UPSTREAM_UNAVAILABLE');
    const refused = toAnalyticsError(new MixpanelHttpError(400, '{"error":"\'where\' is invalid: x","status":"error"}', null));
    expect(refused.message).toMatch(/where/);
  });
});

describe('readAnalyticsConfig', () => {
  it('runs the emulator without a base URL', () => {
    expect(readAnalyticsConfig({})).toMatchObject({ baseUrl: undefined, serviceAccount: undefined, timeoutMs: 30_000 });
    expect(readAnalyticsConfig({}).quota).toEqual({
      export: [{ points: 3, durationSeconds: 1 }, { points: 60, durationSeconds: 3600 }],
      query: [{ points: 60, durationSeconds: 3600 }],
    });
  });
  it('needs the project id and a service account with a real base URL, naming the variables', () => {
    expect(() => readAnalyticsConfig({ MIXPANEL_BASE_URL: 'https://mixpanel.example.test' })).toThrow(/MIXPANEL_PROJECT_ID[\s\S]*MIXPANEL_SERVICE_ACCOUNT_USERNAME/);
    expect(() => readAnalyticsConfig({ MIXPANEL_SERVICE_ACCOUNT_USERNAME: 'sa' })).toThrow(/MIXPANEL_SERVICE_ACCOUNT_SECRET/);
    const config = readAnalyticsConfig({
      MIXPANEL_BASE_URL: 'https://mixpanel.example.test/',
      MIXPANEL_PROJECT_ID: '42',
      MIXPANEL_SERVICE_ACCOUNT_USERNAME: 'sa',
      MIXPANEL_SERVICE_ACCOUNT_SECRET: 's3cret',
    });
    expect(config).toMatchObject({ baseUrl: 'https://mixpanel.example.test', exportUrl: 'https://mixpanel.example.test', projectId: 42 });
  });
  it('never shows a secret in its messages', () => {
    expect(() => readAnalyticsConfig({ MIXPANEL_SERVICE_ACCOUNT_SECRET: 'hunter2', MIXPANEL_TIMEOUT_MS: 'x' })).toThrow(expect.not.objectContaining({ message: expect.stringContaining('hunter2') }));
  });
});
