import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../platform/index.js';
import { readPaymentsConfig, toStripeEndpoint } from '../../../subgraphs/payments/config.js';

describe('readPaymentsConfig', () => {
  it('runs the emulator when no base URL is set', () => {
    expect(readPaymentsConfig({})).toMatchObject({ baseUrl: undefined, secretKey: undefined });
    // The embedded emulator runs with a test-mode key, so Stripe's test-mode limit applies.
    expect(readPaymentsConfig({}).quota).toEqual({ default: [{ points: 25, durationSeconds: 1 }] });
    expect(readPaymentsConfig({}).policy).toEqual({
      timeoutMs: 10_000,
      retry: { maxAttempts: 3 },
      breaker: { threshold: 5, halfOpenAfterMs: 10_000 },
      bulkhead: { limit: 20, queue: 100 },
    });
  });

  it('needs a secret key with a real base URL, naming the variable', () => {
    expect(() => readPaymentsConfig({ STRIPE_BASE_URL: 'https://payments.example.test' })).toThrow(/STRIPE_SECRET_KEY/);
    expect(() => readPaymentsConfig({ STRIPE_BASE_URL: 'https://payments.example.test', STRIPE_SECRET_KEY: 'pk_test_123' })).toThrow(
      ConfigError,
    );
    const config = readPaymentsConfig({
      STRIPE_BASE_URL: 'https://payments.example.test/',
      STRIPE_SECRET_KEY: 'sk_test_123',
      STRIPE_TIMEOUT_MS: '2500',
    });
    expect(config).toMatchObject({ baseUrl: 'https://payments.example.test', secretKey: 'sk_test_123', policy: { timeoutMs: 2500 } });
    // Test-mode keys get Stripe's test-mode limit, live keys the live one, unless STRIPE_QUOTA_PER_SECOND says otherwise.
    expect(config.quota).toEqual({ default: [{ points: 25, durationSeconds: 1 }] });
    expect(readPaymentsConfig({ STRIPE_BASE_URL: 'https://payments.example.test', STRIPE_SECRET_KEY: 'sk_live_123' }).quota).toEqual({
      default: [{ points: 100, durationSeconds: 1 }],
    });
    expect(readPaymentsConfig({ STRIPE_QUOTA_PER_SECOND: '0' }).quota).toEqual({ default: [] });
  });

  it('splits the base URL into what the SDK takes and refuses a path', () => {
    expect(toStripeEndpoint('https://payments.example.test')).toEqual({ host: 'payments.example.test', port: 443, protocol: 'https' });
    expect(toStripeEndpoint('http://127.0.0.1:4102')).toEqual({ host: '127.0.0.1', port: 4102, protocol: 'http' });
    expect(toStripeEndpoint('http://[::1]:4102')).toEqual({ host: '::1', port: 4102, protocol: 'http' });
    expect(() => readPaymentsConfig({ STRIPE_BASE_URL: 'https://payments.example.test/v1', STRIPE_SECRET_KEY: 'sk_test_1' })).toThrow(
      /no path/,
    );
  });
});
