import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { BadUserInputError } from '../../../subgraphs/kit/index.js';
import { classifyStripe } from '../../../subgraphs/payments/client.js';

/** A Stripe SDK error as RequestSender builds it from an error answer: status and headers on the raw error. */
const answer = <E extends Stripe.errors.StripeError>(Kind: new (raw: Record<string, unknown>) => E, statusCode: number, headers: Record<string, string> = {}): E =>
  new Kind({ message: `HTTP ${statusCode}`, type: 'api_error', statusCode, headers });

describe('classifyStripe', () => {
  it('takes our own typed errors as final and no sign of Stripe trouble', () => {
    expect(classifyStripe(new BadUserInputError('bad'))).toEqual({ retryable: false, countsForBreaker: false });
  });

  it('retries anything that is not a Stripe error (the request may not have gone out) and counts it', () => {
    expect(classifyStripe(new Error('socket hang up'))).toEqual({ retryable: true, countsForBreaker: true });
  });

  it('retries connection errors and counts them for the breaker', () => {
    expect(classifyStripe(new Stripe.errors.StripeConnectionError({ message: 'ECONNRESET' }))).toEqual({ retryable: true, countsForBreaker: true });
  });

  it('sets a one-second Retry-After on 429 (Stripe sends none) and does not count it', () => {
    expect(classifyStripe(answer(Stripe.errors.StripeRateLimitError, 429))).toEqual({ retryable: true, status: 429, retryAfterMs: 1000, countsForBreaker: false });
    expect(classifyStripe(answer(Stripe.errors.StripeRateLimitError, 429, { 'retry-after': '3' })).retryAfterMs).toBe(3000);
  });

  it('does not retry a 409 unless Stripe-Should-Retry says so', () => {
    expect(classifyStripe(answer(Stripe.errors.StripeAPIError, 409))).toEqual({ retryable: false, status: 409, countsForBreaker: false });
    expect(classifyStripe(answer(Stripe.errors.StripeAPIError, 409, { 'stripe-should-retry': 'true' })))
      .toEqual({ retryable: false, status: 409, countsForBreaker: false, shouldRetryHeader: true });
  });

  it('retries 5xx and answers without a status (a body that is not JSON), counting both', () => {
    expect(classifyStripe(answer(Stripe.errors.StripeAPIError, 500))).toEqual({ retryable: true, status: 500, countsForBreaker: true });
    expect(classifyStripe(new Stripe.errors.StripeAPIError({ message: 'Invalid JSON received from the Stripe API' }))).toEqual({ retryable: true, countsForBreaker: true });
  });

  it('passes Stripe-Should-Retry: false on, which stops even a 5xx', () => {
    expect(classifyStripe(answer(Stripe.errors.StripeAPIError, 503, { 'stripe-should-retry': 'false' })))
      .toEqual({ retryable: true, status: 503, countsForBreaker: true, shouldRetryHeader: false });
  });

  it('takes any other 4xx (declines, bad parameters, auth) as final and no sign of Stripe trouble', () => {
    expect(classifyStripe(answer(Stripe.errors.StripeCardError, 402))).toEqual({ retryable: false, status: 402, countsForBreaker: false });
    expect(classifyStripe(answer(Stripe.errors.StripeInvalidRequestError, 400))).toEqual({ retryable: false, status: 400, countsForBreaker: false });
  });
});
