import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../platform/index.js';
import { BadUserInputError } from '../../../subgraphs/kit/index.js';
import { classifyHubSpot, toHubSpotError } from '../../../subgraphs/crm/errors.js';

/** What the SDK throws for an HTTP error: ApiException's shape (code, body, headers as node-fetch lower-cases them). */
const answer = (code: number, body: Record<string, unknown>, headers: Record<string, string> = {}) => ({
  code,
  body,
  headers,
  message: `HTTP-Code: ${code}`,
});

describe('classifyHubSpot', () => {
  it('takes our own typed errors as final and no sign of HubSpot trouble', () => {
    expect(classifyHubSpot(new BadUserInputError('bad'))).toEqual({ retryable: false, countsForBreaker: false });
  });

  it('retries a failure without a response (reset, refused, unreadable body) and counts it for the breaker', () => {
    expect(classifyHubSpot(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toEqual({
      retryable: true,
      countsForBreaker: true,
    });
    expect(classifyHubSpot(new SyntaxError('Unexpected end of JSON input'))).toEqual({ retryable: true, countsForBreaker: true });
  });

  it('gives up at once on the DAILY limit (it resets at midnight), which surfaces as RATE_LIMITED', () => {
    const daily = answer(429, {
      status: 'error',
      errorType: 'RATE_LIMIT',
      policyName: 'DAILY',
      message: 'You have reached your daily limit.',
    });
    expect(classifyHubSpot(daily)).toEqual({ retryable: false, status: 429, countsForBreaker: false });
    expect(toHubSpotError(daily).extensions).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', retryAfter: 3600 });
  });

  it('waits a second on the SECONDLY (search) limit, by policy name or by message', () => {
    expect(classifyHubSpot(answer(429, { policyName: 'SECONDLY', message: 'You have reached your secondly limit.' }))).toEqual({
      retryable: true,
      status: 429,
      retryAfterMs: 1000,
      countsForBreaker: false,
    });
    expect(classifyHubSpot(answer(429, { message: 'You have reached your secondly limit.' })).retryAfterMs).toBe(1000);
  });

  it('waits the interval HubSpot states on TEN_SECONDLY_ROLLING, else ten seconds, and never counts a 429', () => {
    const body = { errorType: 'RATE_LIMIT', policyName: 'TEN_SECONDLY_ROLLING' };
    expect(classifyHubSpot(answer(429, body, { 'x-hubspot-ratelimit-interval-milliseconds': '4000' }))).toEqual({
      retryable: true,
      status: 429,
      retryAfterMs: 4000,
      countsForBreaker: false,
    });
    expect(classifyHubSpot(answer(429, body)).retryAfterMs).toBe(10_000);
    expect(toHubSpotError(answer(429, body)).extensions).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', retryAfter: 10 });
  });

  it('prefers a Retry-After header when a 429 carries one', () => {
    expect(classifyHubSpot(answer(429, { policyName: 'TEN_SECONDLY_ROLLING' }, { 'retry-after': '2' })).retryAfterMs).toBe(2000);
  });

  it('retries 5xx and counts them for the breaker', () => {
    expect(classifyHubSpot(answer(503, { status: 'error', category: 'INTERNAL_ERROR' }))).toEqual({
      retryable: true,
      status: 503,
      countsForBreaker: true,
    });
  });

  it('takes any other 4xx as final and no sign of HubSpot trouble', () => {
    expect(classifyHubSpot(answer(400, { category: 'VALIDATION_ERROR' }))).toEqual({
      retryable: false,
      status: 400,
      countsForBreaker: false,
    });
    expect(classifyHubSpot(answer(409, { category: 'CONFLICT' }))).toEqual({ retryable: false, status: 409, countsForBreaker: false });
  });
});

describe('HubSpot error translation', () => {
  const apiException = (code: number, body: unknown, headers: Record<string, string> = {}) =>
    Object.assign(new Error(`HTTP-Code: ${code}`), { code, body, headers });

  it('maps rate limits, validation, conflicts, server errors and network failures', () => {
    const limited = toHubSpotError(
      apiException(429, { status: 'error', errorType: 'RATE_LIMIT', policyName: 'TEN_SECONDLY_ROLLING', correlationId: 'c-1' }),
    );
    expect(limited.extensions).toMatchObject({ code: ErrorCode.UPSTREAM_RATE_LIMITED, upstream: 'hubspot', retryAfter: 10 });
    expect(limited.detail).toMatchObject({ status: 429, vendorRequestId: 'c-1' });

    const invalid = toHubSpotError(
      apiException(400, {
        status: 'error',
        category: 'VALIDATION_ERROR',
        message: 'Property values were not valid',
        errors: [{ message: 'bad', code: 'INVALID_EMAIL', context: { propertyName: ['email'] } }],
      }),
    );
    expect(invalid.extensions).toMatchObject({ code: ErrorCode.BAD_USER_INPUT, field: 'input.email' });

    expect(
      toHubSpotError(apiException(409, { category: 'CONFLICT', message: 'Contact already exists. Existing ID: 1' })).extensions.code,
    ).toBe(ErrorCode.CONFLICT);
    expect(toHubSpotError(apiException(502, 'Bad gateway')).extensions.code).toBe(ErrorCode.UPSTREAM_UNAVAILABLE);
    expect(toHubSpotError(apiException(401, { category: 'INVALID_AUTHENTICATION' })).message).toMatch(/credentials/);
    const refused = toHubSpotError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }));
    expect(refused.extensions.code).toBe(ErrorCode.UPSTREAM_UNAVAILABLE);
    expect(refused.detail?.cause).toMatch(/ECONNREFUSED/);
  });
});
