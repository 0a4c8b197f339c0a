import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../platform/index.js';
import { readErpConfig, readErpFeedConfig } from '../../../subgraphs/erp/config.js';

describe('readErpConfig', () => {
  it('means the emulator when ERP_BASE_URL is absent', () => {
    expect(readErpConfig({})).toEqual({
      baseUrl: undefined,
      company: 'CRONUS',
      credentials: undefined,
      localCurrency: 'EUR',
      policy: {
        timeoutMs: 15_000,
        retry: { maxAttempts: 3 },
        breaker: { threshold: 5, halfOpenAfterMs: 10_000 },
        bulkhead: { limit: 4, queue: 50 },
      },
    });
  });

  it('reads a real ERP with its credentials, without a trailing slash', () => {
    const config = readErpConfig({
      ERP_BASE_URL: 'http://erp-host:7047/DynamicsNAV/',
      ERP_COMPANY: 'ACME',
      ERP_USERNAME: 'svc',
      ERP_PASSWORD: 's3cret',
      ERP_TIMEOUT_MS: '5000',
      ERP_LOCAL_CURRENCY: 'GBP',
      ERP_RETRY_ATTEMPTS: '2',
      ERP_BREAKER_THRESHOLD: '3',
      ERP_BREAKER_HALF_OPEN_MS: '500',
      ERP_BULKHEAD_LIMIT: '2',
      ERP_BULKHEAD_QUEUE: '0',
    });
    expect(config).toEqual({
      baseUrl: 'http://erp-host:7047/DynamicsNAV',
      company: 'ACME',
      credentials: { username: 'svc', password: 's3cret' },
      localCurrency: 'GBP',
      policy: {
        timeoutMs: 5000,
        retry: { maxAttempts: 2 },
        breaker: { threshold: 3, halfOpenAfterMs: 500 },
        bulkhead: { limit: 2, queue: 0 },
      },
    });
  });

  it('refuses a real base URL without credentials, naming the variable', () => {
    expect(() => readErpConfig({ ERP_BASE_URL: 'http://erp-host:7047/DynamicsNAV' })).toThrow(ConfigError);
    expect(() => readErpConfig({ ERP_BASE_URL: 'http://erp-host:7047/DynamicsNAV' })).toThrow(/ERP_USERNAME/);
    expect(() => readErpConfig({ ERP_USERNAME: 'svc' })).toThrow(/ERP_PASSWORD/);
  });

  it('never shows the password in a message', () => {
    expect(() => readErpConfig({ ERP_PASSWORD: 'hunter2', ERP_TIMEOUT_MS: 'soon' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
    );
  });
});

describe('readErpFeedConfig', () => {
  it('leaves the poll interval to the launcher by default and reads the overlap and lookback', () => {
    expect(readErpFeedConfig({})).toEqual({ pollIntervalMs: undefined, overlapMs: 30_000, initialLookbackMs: 86_400_000 });
    expect(readErpFeedConfig({ ERP_POLL_INTERVAL_MS: '0', ERP_POLL_OVERLAP_MS: '5000', ERP_POLL_INITIAL_LOOKBACK_MS: '60000' })).toEqual({
      pollIntervalMs: 0,
      overlapMs: 5000,
      initialLookbackMs: 60_000,
    });
  });

  it('names a bad variable', () => {
    expect(() => readErpFeedConfig({ ERP_POLL_INTERVAL_MS: 'often' })).toThrow(ConfigError);
    expect(() => readErpFeedConfig({ ERP_POLL_OVERLAP_MS: '-1' })).toThrow(/ERP_POLL_OVERLAP_MS/);
  });
});
