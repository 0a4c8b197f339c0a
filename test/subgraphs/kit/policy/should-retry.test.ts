import { describe, expect, it } from 'vitest';
import { shouldRetry, type Failure } from '../../../../subgraphs/kit/policy/index.js';

const transient: Failure = { retryable: true, status: 503, countsForBreaker: true };
const read = { kind: 'read' as const };
const limits = { maxAttempts: 3, backoffMs: 100, remainingMs: 10_000 };

describe('shouldRetry, one test per rule', () => {
  it('never repeats a write without an idempotency key, whatever the failure', () => {
    expect(shouldRetry(transient, 1, { kind: 'write' }, limits)).toEqual({ retry: false, reason: 'unsafe-write' });
    expect(shouldRetry(transient, 1, { kind: 'write', idempotent: false }, limits)).toEqual({ retry: false, reason: 'unsafe-write' });
    expect(shouldRetry({ ...transient, shouldRetryHeader: true }, 1, { kind: 'write' }, limits)).toEqual({
      retry: false,
      reason: 'unsafe-write',
    });
  });

  it('repeats a write that carries an idempotency key, and a read', () => {
    expect(shouldRetry(transient, 1, { kind: 'write', idempotent: true }, limits)).toEqual({ retry: true, delayMs: 100 });
    expect(shouldRetry(transient, 1, read, limits)).toEqual({ retry: true, delayMs: 100 });
  });

  it('stops when the attempt that failed was the last allowed', () => {
    expect(shouldRetry(transient, 2, read, limits)).toEqual({ retry: true, delayMs: 100 });
    expect(shouldRetry(transient, 3, read, limits)).toEqual({ retry: false, reason: 'attempts-exhausted' });
    expect(shouldRetry(transient, 1, read, { ...limits, maxAttempts: 1 })).toEqual({ retry: false, reason: 'attempts-exhausted' });
  });

  it('stops when the vendor says not to retry (Stripe-Should-Retry: false), even on a 503', () => {
    expect(shouldRetry({ ...transient, shouldRetryHeader: false }, 1, read, limits)).toEqual({ retry: false, reason: 'vendor-said-no' });
  });

  it('stops on failures the classifier calls final (a 4xx)', () => {
    expect(shouldRetry({ retryable: false, status: 400, countsForBreaker: false }, 1, read, limits)).toEqual({
      retry: false,
      reason: 'not-retryable',
    });
  });

  it('repeats a failure the classifier calls final when the vendor says yes (Stripe-Should-Retry: true on a 409)', () => {
    const conflict: Failure = { retryable: false, status: 409, shouldRetryHeader: true, countsForBreaker: false };
    expect(shouldRetry(conflict, 1, { kind: 'write', idempotent: true }, limits)).toEqual({ retry: true, delayMs: 100 });
  });

  it('waits at least as long as Retry-After asks, and at least the backoff', () => {
    expect(shouldRetry({ ...transient, status: 429, retryAfterMs: 2_000 }, 1, read, limits)).toEqual({ retry: true, delayMs: 2_000 });
    expect(shouldRetry({ ...transient, status: 429, retryAfterMs: 20 }, 1, read, limits)).toEqual({ retry: true, delayMs: 100 });
  });

  it('stops when Retry-After reaches past the deadline (the policy then answers UPSTREAM_RATE_LIMITED)', () => {
    const limited: Failure = { retryable: true, status: 429, retryAfterMs: 5_000, countsForBreaker: false };
    expect(shouldRetry(limited, 1, read, { ...limits, remainingMs: 4_000 })).toEqual({ retry: false, reason: 'retry-after-past-deadline' });
    expect(shouldRetry(limited, 1, read, { ...limits, remainingMs: 5_000 })).toEqual({ retry: false, reason: 'retry-after-past-deadline' });
  });

  it('stops when the backoff itself would end at or past the deadline', () => {
    expect(shouldRetry(transient, 1, read, { ...limits, backoffMs: 300, remainingMs: 300 })).toEqual({ retry: false, reason: 'deadline' });
    expect(shouldRetry(transient, 1, read, { ...limits, backoffMs: 299, remainingMs: 300 })).toEqual({ retry: true, delayMs: 299 });
  });

  it('is pure: the same arguments give the same answer', () => {
    const args = [transient, 1, read, limits] as const;
    expect(shouldRetry(...args)).toEqual(shouldRetry(...args));
  });
});
