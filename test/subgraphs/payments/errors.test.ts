import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { BadUserInputError } from '../../../subgraphs/kit/index.js';
import { classifyStripe, toStripeError } from '../../../subgraphs/payments/errors.js';

/** A Stripe SDK error as RequestSender builds it from an error answer: status and headers on the raw error. */
const answer = <E extends Stripe.errors.StripeError>(
  Kind: new (raw: Record<string, unknown>) => E,
  statusCode: number,
  headers: Record<string, string> = {},
): E => new Kind({ message: `HTTP ${statusCode}`, type: 'api_error', statusCode, headers });

describe('classifyStripe', () => {
  it('takes our own typed errors as final and no sign of Stripe trouble', () => {
    expect(classifyStripe(new BadUserInputError('bad'))).toEqual({ retryable: false, countsForBreaker: false });
  });

  it('retries anything that is not a Stripe error (the request may not have gone out) and counts it', () => {
    expect(classifyStripe(new Error('socket hang up'))).toEqual({ retryable: true, countsForBreaker: true });
  });

  it('retries connection errors and counts them for the breaker', () => {
    expect(classifyStripe(new Stripe.errors.StripeConnectionError({ message: 'ECONNRESET' }))).toEqual({
      retryable: true,
      countsForBreaker: true,
    });
  });

  it('sets a one-second Retry-After on 429 (Stripe sends none) and does not count it', () => {
    expect(classifyStripe(answer(Stripe.errors.StripeRateLimitError, 429))).toEqual({
      retryable: true,
      status: 429,
      retryAfterMs: 1000,
      countsForBreaker: false,
    });
    expect(classifyStripe(answer(Stripe.errors.StripeRateLimitError, 429, { 'retry-after': '3' })).retryAfterMs).toBe(3000);
  });

  it('does not retry a 409 unless Stripe-Should-Retry says so', () => {
    expect(classifyStripe(answer(Stripe.errors.StripeAPIError, 409))).toEqual({ retryable: false, status: 409, countsForBreaker: false });
    expect(classifyStripe(answer(Stripe.errors.StripeAPIError, 409, { 'stripe-should-retry': 'true' }))).toEqual({
      retryable: false,
      status: 409,
      countsForBreaker: false,
      shouldRetryHeader: true,
    });
  });

  it('retries 5xx and answers without a status (a body that is not JSON), counting both', () => {
    expect(classifyStripe(answer(Stripe.errors.StripeAPIError, 500))).toEqual({ retryable: true, status: 500, countsForBreaker: true });
    expect(classifyStripe(new Stripe.errors.StripeAPIError({ message: 'Invalid JSON received from the Stripe API' }))).toEqual({
      retryable: true,
      countsForBreaker: true,
    });
  });

  it('passes Stripe-Should-Retry: false on, which stops even a 5xx', () => {
    expect(classifyStripe(answer(Stripe.errors.StripeAPIError, 503, { 'stripe-should-retry': 'false' }))).toEqual({
      retryable: true,
      status: 503,
      countsForBreaker: true,
      shouldRetryHeader: false,
    });
  });

  it('takes any other 4xx (declines, bad parameters, auth) as final and no sign of Stripe trouble', () => {
    expect(classifyStripe(answer(Stripe.errors.StripeCardError, 402))).toEqual({ retryable: false, status: 402, countsForBreaker: false });
    expect(classifyStripe(answer(Stripe.errors.StripeInvalidRequestError, 400))).toEqual({
      retryable: false,
      status: 400,
      countsForBreaker: false,
    });
  });
});

// Errors built as the SDK builds them from a Stripe error body (its `raw`), with status and request id.
const raw = (fields: Record<string, unknown>) => ({ requestId: 'req_1', headers: { 'request-id': 'req_1' }, ...fields }) as never;

describe('toStripeError', () => {
  it('turns a card error into PAYMENT_DECLINED with the decline code, keeping the detail for the log', () => {
    const error = toStripeError(
      new Stripe.errors.StripeCardError(
        raw({
          statusCode: 402,
          type: 'card_error',
          code: 'card_declined',
          decline_code: 'insufficient_funds',
          message: 'Your card has insufficient funds.',
          charge: 'ch_1',
          payment_intent: { id: 'pi_1' },
        }),
      ),
    );
    expect(error.extensions).toEqual({
      code: 'PAYMENT_DECLINED',
      upstream: 'stripe',
      declineCode: 'insufficient_funds',
      reason: 'card_declined',
      paymentIntentId: 'pi_1',
      chargeId: 'ch_1',
    });
    expect(error.message).toBe('Your card has insufficient funds.');
    expect(error.detail).toMatchObject({ status: 402, vendorRequestId: 'req_1' });
    expect(error.detail?.body).toContain('insufficient_funds');
    expect(error.detail?.body).not.toContain('headers');
  });

  it('names the input field of a bad parameter, and tells a missing object and a state conflict apart', () => {
    const fields = { amount: 'input.amount', charge: 'input.chargeId' };
    const bad = toStripeError(
      new Stripe.errors.StripeInvalidRequestError(
        raw({ statusCode: 400, type: 'invalid_request_error', param: 'amount', message: 'Invalid integer' }),
      ),
      fields,
    );
    expect(bad.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.amount' });
    const unmapped = toStripeError(
      new Stripe.errors.StripeInvalidRequestError(raw({ statusCode: 400, param: 'limit', message: 'Invalid' })),
    );
    expect(unmapped.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'limit' });
    const missing = toStripeError(
      new Stripe.errors.StripeInvalidRequestError(
        raw({ statusCode: 400, code: 'resource_missing', param: 'charge', message: "No such charge: 'ch_x'" }),
      ),
      fields,
    );
    expect(missing.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'input.chargeId' });
    expect(missing.message).toBe('charge ch_x was not found.');
    const state = toStripeError(
      new Stripe.errors.StripeInvalidRequestError(
        raw({ statusCode: 400, code: 'payment_intent_unexpected_state', message: 'cannot capture' }),
      ),
    );
    expect(state.extensions).toMatchObject({ code: 'CONFLICT', reason: 'payment_intent_unexpected_state' });
  });

  it('maps idempotency, rate limit, in-progress, server and connection failures', () => {
    expect(
      toStripeError(new Stripe.errors.StripeIdempotencyError(raw({ statusCode: 400, type: 'idempotency_error', message: 'Keys...' })))
        .extensions,
    ).toMatchObject({ code: 'CONFLICT', field: 'input.idempotencyKey' });
    expect(toStripeError(new Stripe.errors.StripeRateLimitError(raw({ statusCode: 429, message: 'Too many' }))).extensions).toMatchObject({
      code: 'UPSTREAM_RATE_LIMITED',
      retryAfter: 1,
    });
    expect(
      toStripeError(new Stripe.errors.StripeAPIError(raw({ statusCode: 409, code: 'idempotency_key_in_use', message: 'in progress' })))
        .extensions,
    ).toMatchObject({ code: 'CONFLICT' });
    expect(toStripeError(new Stripe.errors.StripeAPIError(raw({ statusCode: 503, message: 'down' }))).extensions).toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
    });
    expect(
      toStripeError(new Stripe.errors.StripeConnectionError({ message: 'An error occurred with our connection to Stripe.' })).extensions,
    ).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect(
      toStripeError(new Stripe.errors.StripeConnectionError({ message: 'Request aborted due to timeout being reached (10ms)' })).extensions,
    ).toMatchObject({ code: 'UPSTREAM_TIMEOUT' });
    expect(
      toStripeError(new Stripe.errors.StripeAuthenticationError(raw({ statusCode: 401, message: 'Invalid API Key' }))).extensions,
    ).toMatchObject({ code: 'UPSTREAM_ERROR' });
  });
});
