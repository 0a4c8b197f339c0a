import { describe, expect, it } from 'vitest';
import { readGatewayConfig } from '../../gateway/config.js';
import { problemsOf } from '../kit/config.js';

describe('configuration from the environment', () => {
  it('has working defaults with nothing set', () => {
    expect(readGatewayConfig({})).toMatchObject({
      port: 4000,
      nodeEnv: 'development',
      introspection: true,
      sandbox: true,
      bodyLimit: '1mb',
    });
    const secret = 'x'.repeat(32);
    expect(readGatewayConfig({ NODE_ENV: 'production', SUBGRAPH_SECRET: secret })).toMatchObject({
      introspection: false,
      sandbox: false,
      authorization: 'filter',
      users: undefined,
    });
    expect(readGatewayConfig({ NODE_ENV: 'production', SUBGRAPH_SECRET: secret, SANDBOX: 'true', INTROSPECTION: '1' })).toMatchObject({
      introspection: true,
      sandbox: true,
    });
    expect(problemsOf(() => readGatewayConfig({ NODE_ENV: 'production' }))).toEqual([
      expect.stringMatching(/^SUBGRAPH_SECRET: required in production/),
    ]);
    expect(problemsOf(() => readGatewayConfig({ NODE_ENV: 'production', SUBGRAPH_SECRET: secret, DEV_ISSUER: 'true' }))).toEqual([
      expect.stringMatching(/^DEV_ISSUER: .* refused in production/),
    ]);
  });

  it('reports every bad variable at once, by name, with what is expected', () => {
    const problems = problemsOf(() => readGatewayConfig({ GATEWAY_PORT: 'eighty', SANDBOX: 'yes', SUBGRAPH_CRM_URL: 'crm:4001' }));
    expect(problems).toHaveLength(3);
    expect(problems.find((problem) => problem.startsWith('GATEWAY_PORT:'))).toMatch(/"eighty"/);
    expect(problems.find((problem) => problem.startsWith('SANDBOX:'))).toMatch(/expected true or false/);
    expect(problems.find((problem) => problem.startsWith('SUBGRAPH_CRM_URL:'))).toMatch(/absolute http\(s\) URL/);
  });

  it('reads subgraph URL overrides and drops trailing slashes', () => {
    expect(readGatewayConfig({ SUBGRAPH_CRM_URL: 'http://crm.internal:4001/graphql/' }).subgraphUrls).toEqual({
      crm: 'http://crm.internal:4001/graphql',
    });
  });
});
