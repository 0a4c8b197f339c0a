import { describe, expect, it } from 'vitest';
import { readCrmConfig } from '../../../subgraphs/crm/config.js';
import { problemsOf } from '../../kit/config.js';

describe('readCrmConfig', () => {
  it('never repeats a secret value in a message', () => {
    const problems = problemsOf(() => readCrmConfig({ HUBSPOT_ACCESS_TOKEN: 'pat-secret-123', HUBSPOT_TIMEOUT_MS: '-5' }));
    expect(problems.join('\n')).not.toContain('pat-secret-123');
    expect(problems[0]).toMatch(/^HUBSPOT_TIMEOUT_MS:/);
  });

  it('needs all three OAuth variables, and credentials for a real HubSpot', () => {
    expect(problemsOf(() => readCrmConfig({ HUBSPOT_CLIENT_ID: 'id' }))[0]).toMatch(/OAuth needs all three/);
    expect(problemsOf(() => readCrmConfig({ HUBSPOT_BASE_URL: 'https://crm.example.test' }))[0]).toMatch(
      /^HUBSPOT_ACCESS_TOKEN: HUBSPOT_BASE_URL is set/,
    );
    expect(readCrmConfig({ HUBSPOT_CLIENT_ID: 'id', HUBSPOT_CLIENT_SECRET: 's', HUBSPOT_REFRESH_TOKEN: 'r' }).auth).toEqual({
      kind: 'oauth',
      clientId: 'id',
      clientSecret: 's',
      refreshToken: 'r',
    });
    expect(readCrmConfig({}).baseUrl).toBeUndefined();
  });
});
