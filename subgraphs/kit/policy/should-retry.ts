import type { CallKind, Failure } from './types.js';

/** Why an attempt is the last one. */
export type StopReason =
  'unsafe-write' | 'attempts-exhausted' | 'vendor-said-no' | 'not-retryable' | 'retry-after-past-deadline' | 'deadline';

export type RetryDecision = { retry: true; delayMs: number } | { retry: false; reason: StopReason };

export type RetryLimits = {
  /** Attempts per logical call, the first included. */
  maxAttempts: number;
  /** What the exponential backoff proposes for the next wait (already jittered and clamped). */
  backoffMs: number;
  /** Time left before the request's deadline, in ms. */
  remainingMs: number;
};

/**
 * Whether to send a failed request again, and after how long. Pure: everything it reads is an argument, so
 * each rule below has its own test. `attempt` is the number of the attempt that just failed, from 1.
 */
export function shouldRetry(
  failure: Failure,
  attempt: number,
  call: { kind: CallKind; idempotent?: boolean },
  limits: RetryLimits,
): RetryDecision {
  // A write without an idempotency key may have been applied before it failed; repeating it could apply it twice.
  if (call.kind === 'write' && call.idempotent !== true) return { retry: false, reason: 'unsafe-write' };
  // The attempt budget is spent.
  if (attempt >= limits.maxAttempts) return { retry: false, reason: 'attempts-exhausted' };
  // The vendor said outright not to repeat this request (Stripe-Should-Retry: false), whatever the status says.
  if (failure.shouldRetryHeader === false) return { retry: false, reason: 'vendor-said-no' };
  // Without the vendor's explicit yes, only failures the classifier calls transient are repeated (no 4xx).
  if (failure.shouldRetryHeader !== true && !failure.retryable) return { retry: false, reason: 'not-retryable' };
  // The vendor asked us to wait past the deadline: stop now (the policy answers UPSTREAM_RATE_LIMITED with retryAfter).
  if (failure.retryAfterMs !== undefined && failure.retryAfterMs >= limits.remainingMs) {
    return { retry: false, reason: 'retry-after-past-deadline' };
  }
  // Wait at least as long as the vendor asked (Retry-After), never less than the backoff.
  const delayMs = Math.max(limits.backoffMs, failure.retryAfterMs ?? 0);
  // A backoff that ends at or after the deadline cannot lead to an answer in time: stop now.
  if (delayMs >= limits.remainingMs) return { retry: false, reason: 'deadline' };
  return { retry: true, delayMs };
}
