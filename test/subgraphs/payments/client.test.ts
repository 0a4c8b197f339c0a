import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../platform/index.js';
import { toPaymentsError } from '../../../subgraphs/payments/client.js';
import { readPaymentsConfig, toStripeEndpoint } from '../../../subgraphs/payments/config.js';

// Errors built as the SDK builds them from a Stripe error body (its `raw`), with status and request id.
const raw = (fields: Record<string, unknown>) => ({ requestId: 'req_1', headers: { 'request-id': 'req_1' }, ...fields }) as never;

describe('toPaymentsError', () => {
  it('turns a card error into PAYMENT_DECLINED with the decline code, keeping the detail for the log', () => {
    const error = toPaymentsError(new Stripe.errors.StripeCardError(raw({ statusCode: 402, type: 'card_error', code: 'card_declined', decline_code: 'insufficient_funds', message: 'Your card has insufficient funds.', charge: 'ch_1', payment_intent: { id: 'pi_1' } })));
    expect(error.extensions).toEqual({ code: 'PAYMENT_DECLINED', upstream: 'stripe', declineCode: 'insufficient_funds', reason: 'card_declined', paymentIntentId: 'pi_1', chargeId: 'ch_1' });
    expect(error.message).toBe('Your card has insufficient funds.');
    expect(error.detail).toMatchObject({ status: 402, vendorRequestId: 'req_1' });
    expect(error.detail?.body).toContain('insufficient_funds');
    expect(error.detail?.body).not.toContain('headers');
  });

  it('names the input field of a bad parameter, and tells a missing object and a state conflict apart', () => {
    const fields = { amount: 'input.amount', charge: 'input.chargeId' };
    const bad = toPaymentsError(new Stripe.errors.StripeInvalidRequestError(raw({ statusCode: 400, type: 'invalid_request_error', param: 'amount', message: 'Invalid integer' })), fields);
    expect(bad.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.amount' });
    const unmapped = toPaymentsError(new Stripe.errors.StripeInvalidRequestError(raw({ statusCode: 400, param: 'limit', message: 'Invalid' })));
    expect(unmapped.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'limit' });
    const missing = toPaymentsError(new Stripe.errors.StripeInvalidRequestError(raw({ statusCode: 400, code: 'resource_missing', param: 'charge', message: "No such charge: 'ch_x'" })), fields);
    expect(missing.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'input.chargeId' });
    expect(missing.message).toBe('charge ch_x was not found.');
    const state = toPaymentsError(new Stripe.errors.StripeInvalidRequestError(raw({ statusCode: 400, code: 'payment_intent_unexpected_state', message: 'cannot capture' })));
    expect(state.extensions).toMatchObject({ code: 'CONFLICT', reason: 'payment_intent_unexpected_state' });
  });

  it('maps idempotency, rate limit, in-progress, server and connection failures', () => {
    expect(toPaymentsError(new Stripe.errors.StripeIdempotencyError(raw({ statusCode: 400, type: 'idempotency_error', message: 'Keys...' }))).extensions).toMatchObject({ code: 'CONFLICT', field: 'input.idempotencyKey' });
    expect(toPaymentsError(new Stripe.errors.StripeRateLimitError(raw({ statusCode: 429, message: 'Too many' }))).extensions).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', retryAfter: 1 });
    expect(toPaymentsError(new Stripe.errors.StripeAPIError(raw({ statusCode: 409, code: 'idempotency_key_in_use', message: 'in progress' }))).extensions).toMatchObject({ code: 'CONFLICT' });
    expect(toPaymentsError(new Stripe.errors.StripeAPIError(raw({ statusCode: 503, message: 'down' }))).extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect(toPaymentsError(new Stripe.errors.StripeConnectionError({ message: 'An error occurred with our connection to Stripe.' })).extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect(toPaymentsError(new Stripe.errors.StripeConnectionError({ message: 'Request aborted due to timeout being reached (10ms)' })).extensions).toMatchObject({ code: 'UPSTREAM_TIMEOUT' });
    expect(toPaymentsError(new Stripe.errors.StripeAuthenticationError(raw({ statusCode: 401, message: 'Invalid API Key' }))).extensions).toMatchObject({ code: 'UPSTREAM_ERROR' });
  });
});

describe('readPaymentsConfig', () => {
  it('runs the emulator when no base URL is set', () => {
    expect(readPaymentsConfig({})).toMatchObject({ baseUrl: undefined, secretKey: undefined, timeoutMs: 10_000 });
    // The embedded emulator runs with a test-mode key, so Stripe's test-mode limit applies.
    expect(readPaymentsConfig({}).quota).toEqual({ default: [{ points: 25, durationSeconds: 1 }] });
    expect(readPaymentsConfig({}).policy).toEqual({ timeoutMs: 10_000, retry: { maxAttempts: 3 }, breaker: { threshold: 5, halfOpenAfterMs: 10_000 }, bulkhead: { limit: 20, queue: 100 } });
  });

  it('needs a secret key with a real base URL, naming the variable', () => {
    expect(() => readPaymentsConfig({ STRIPE_BASE_URL: 'https://payments.example.test' })).toThrow(/STRIPE_SECRET_KEY/);
    expect(() => readPaymentsConfig({ STRIPE_BASE_URL: 'https://payments.example.test', STRIPE_SECRET_KEY: 'pk_test_123' })).toThrow(ConfigError);
    const config = readPaymentsConfig({ STRIPE_BASE_URL: 'https://payments.example.test/', STRIPE_SECRET_KEY: 'sk_test_123', STRIPE_TIMEOUT_MS: '2500' });
    expect(config).toMatchObject({ baseUrl: 'https://payments.example.test', secretKey: 'sk_test_123', timeoutMs: 2500, policy: { timeoutMs: 2500 } });
    // Test-mode keys get Stripe's test-mode limit, live keys the live one, unless STRIPE_QUOTA_PER_SECOND says otherwise.
    expect(config.quota).toEqual({ default: [{ points: 25, durationSeconds: 1 }] });
    expect(readPaymentsConfig({ STRIPE_BASE_URL: 'https://payments.example.test', STRIPE_SECRET_KEY: 'sk_live_123' }).quota).toEqual({ default: [{ points: 100, durationSeconds: 1 }] });
    expect(readPaymentsConfig({ STRIPE_QUOTA_PER_SECOND: '0' }).quota).toEqual({ default: [] });
  });

  it('splits the base URL into what the SDK takes and refuses a path', () => {
    expect(toStripeEndpoint('https://payments.example.test')).toEqual({ host: 'payments.example.test', port: 443, protocol: 'https' });
    expect(toStripeEndpoint('http://127.0.0.1:4102')).toEqual({ host: '127.0.0.1', port: 4102, protocol: 'http' });
    expect(toStripeEndpoint('http://[::1]:4102')).toEqual({ host: '::1', port: 4102, protocol: 'http' });
    expect(() => readPaymentsConfig({ STRIPE_BASE_URL: 'https://payments.example.test/v1', STRIPE_SECRET_KEY: 'sk_test_1' })).toThrow(/no path/);
  });
});
