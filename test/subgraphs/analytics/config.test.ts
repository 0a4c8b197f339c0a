import { describe, expect, it } from 'vitest';
import { readAnalyticsConfig } from '../../../subgraphs/analytics/config.js';

describe('readAnalyticsConfig', () => {
  it('runs the emulator without a base URL', () => {
    expect(readAnalyticsConfig({})).toMatchObject({
      baseUrl: undefined,
      serviceAccount: undefined,
      policy: expect.objectContaining({ timeoutMs: 30_000 }),
    });
    expect(readAnalyticsConfig({}).quota).toEqual({
      export: [
        { points: 3, durationSeconds: 1 },
        { points: 60, durationSeconds: 3600 },
      ],
      query: [{ points: 60, durationSeconds: 3600 }],
    });
  });
  it('needs the project id and a service account with a real base URL, naming the variables', () => {
    expect(() => readAnalyticsConfig({ MIXPANEL_BASE_URL: 'https://mixpanel.example.test' })).toThrow(
      /MIXPANEL_PROJECT_ID[\s\S]*MIXPANEL_SERVICE_ACCOUNT_USERNAME/,
    );
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
    expect(() => readAnalyticsConfig({ MIXPANEL_SERVICE_ACCOUNT_SECRET: 'hunter2', MIXPANEL_TIMEOUT_MS: 'x' })).toThrow(
      expect.not.objectContaining({ message: expect.stringContaining('hunter2') }),
    );
  });
});
