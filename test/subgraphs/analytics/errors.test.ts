import { describe, expect, it } from 'vitest';
import { BadUserInputError } from '../../../subgraphs/kit/index.js';
import { MixpanelHttpError, MixpanelTruncatedError, classifyMixpanel, toMixpanelError } from '../../../subgraphs/analytics/errors.js';

describe('classifyMixpanel', () => {
  it('takes our own typed errors as final and no sign of Mixpanel trouble', () => {
    expect(classifyMixpanel(new BadUserInputError('bad'))).toEqual({ retryable: false, countsForBreaker: false });
  });

  it('retries a cut-short export and counts it; it translates to UPSTREAM_UNAVAILABLE', () => {
    const truncated = new MixpanelTruncatedError('{"event":"Login","prop');
    expect(classifyMixpanel(truncated)).toEqual({ retryable: true, status: 200, countsForBreaker: true });
    expect(toMixpanelError(truncated).extensions.code).toBe('UPSTREAM_UNAVAILABLE');
  });

  it('retries a failure without a response (fetch failed, reset) and counts it', () => {
    expect(classifyMixpanel(new TypeError('fetch failed', { cause: new Error('ECONNRESET') }))).toEqual({
      retryable: true,
      countsForBreaker: true,
    });
  });

  it('waits as Retry-After says on 429, a second without one, and does not count it', () => {
    expect(classifyMixpanel(new MixpanelHttpError(429, '{}', '7'))).toEqual({
      retryable: true,
      status: 429,
      retryAfterMs: 7000,
      countsForBreaker: false,
    });
    expect(classifyMixpanel(new MixpanelHttpError(429, '{}', null)).retryAfterMs).toBe(1000);
  });

  it('retries 5xx (keeping a Retry-After) and counts them', () => {
    expect(classifyMixpanel(new MixpanelHttpError(502, '', null))).toEqual({ retryable: true, status: 502, countsForBreaker: true });
    expect(classifyMixpanel(new MixpanelHttpError(503, '', '2'))).toEqual({
      retryable: true,
      status: 503,
      retryAfterMs: 2000,
      countsForBreaker: true,
    });
  });

  it('takes any other 4xx as final and no sign of Mixpanel trouble', () => {
    expect(classifyMixpanel(new MixpanelHttpError(401, '{"error":"Invalid credentials"}', null))).toEqual({
      retryable: false,
      status: 401,
      countsForBreaker: false,
    });
  });
});

describe('toMixpanelError', () => {
  it('turns a 429 into UPSTREAM_RATE_LIMITED with Retry-After', () => {
    const error = toMixpanelError(
      new MixpanelHttpError(429, '{"error":"export rate limit exceeded: at most 60 queries per hour","status":"error"}', '1834'),
    );
    expect(error.extensions).toEqual({ code: 'UPSTREAM_RATE_LIMITED', upstream: 'mixpanel', retryAfter: 1834 });
  });
  it('turns refused credentials, server errors, timeouts and network failures into their own classes', () => {
    expect(toMixpanelError(new MixpanelHttpError(401, '{"error":"Invalid credentials","status":"error"}', null)).extensions.code).toBe(
      'UPSTREAM_ERROR',
    );
    expect(toMixpanelError(new MixpanelHttpError(502, '', null)).extensions.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(toMixpanelError(new DOMException('The operation was aborted due to timeout', 'TimeoutError')).extensions.code).toBe(
      'UPSTREAM_TIMEOUT',
    );
    expect(toMixpanelError(new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED') })).extensions.code).toBe(
      'UPSTREAM_UNAVAILABLE',
    );
    const refused = toMixpanelError(new MixpanelHttpError(400, '{"error":"\'where\' is invalid: x","status":"error"}', null));
    expect(refused.message).toMatch(/where/);
  });
});
