// Over 300 lines on purpose: the policy is one composition of layers (retry, breaker, bulkhead, quota, timeout)
// whose order and shared per-call state (deadline, signal, attempt count) are read together; its pure parts
// (shouldRetry, backoff, quota, window, clock) already live in their own files.
import { setMaxListeners } from 'node:events';
import {
  bulkhead,
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  DelegateBackoff,
  handleWhen,
  isBrokenCircuitError,
  isBulkheadRejectedError,
  isTaskCancelledError,
  retry,
  timeout,
  TimeoutStrategy,
  wrap,
  type IBackoff,
  type IRetryBackoffContext,
} from 'cockatiel';
import {
  CircuitOpenError,
  ErrorCode,
  InterchangeError,
  UpstreamRateLimitedError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from '../errors.js';
import { createBackoff } from './backoff.js';
import { systemClock } from './clock.js';
import { createQuota, QuotaExhaustedError } from './quota.js';
import { shouldRetry, type RetryDecision } from './should-retry.js';
import type { BreakerState, CallPolicy, CallPolicyOptions, CallSpec, Classifier, Failure, PolicyState, Translator } from './types.js';
import { createLatencyWindow } from './window.js';

/** The defaults of every option of createCallPolicy; README.md explains each choice. */
export const POLICY_DEFAULTS = {
  timeoutMs: 10_000,
  budgetMs: 25_000,
  retry: { maxAttempts: 3, initialDelayMs: 200, maxDelayMs: 2_000 },
  breaker: { threshold: 5, halfOpenAfterMs: 10_000 },
  bulkhead: { limit: 10, queue: 100 },
  windowSize: 100,
} as const;

/** A timed-out attempt: the vendor may just be slow, so it is worth repeating where that is safe, and it is unwell. */
const TIMEOUT_FAILURE: Readonly<Failure> = Object.freeze({ retryable: true, countsForBreaker: true });

/** One failed attempt, carried from the innermost layer out through breaker and retry to the final translation. */
class AttemptFailed extends Error {
  constructor(
    readonly original: unknown,
    readonly failure: Failure,
    readonly decision: RetryDecision,
    /** Set when the attempt timed out: why, for the log. */
    readonly timedOut: string | undefined,
  ) {
    super('vendor attempt failed');
    this.name = 'AttemptFailed';
  }
}

/** The abort reason when the request's deadline passes while a call waits (bulkhead queue, quota, backoff). */
class DeadlineReached extends Error {
  constructor() {
    super('the request deadline passed');
    this.name = 'DeadlineReached';
  }
}

/** The abort reason for calls still running when the policy is disposed. */
class PolicyDisposed extends Error {
  constructor() {
    super('the call policy was disposed');
    this.name = 'PolicyDisposed';
  }
}

/**
 * One vendor's call policy: a timeout per attempt and the request's deadline, retries where repeating is safe,
 * a circuit breaker, a bulkhead and the vendor's quota. Make one per vendor client and share it across requests:
 * the breaker, bulkhead and quota only work when every call to the vendor goes through the same policy.
 */
export function createCallPolicy(options: CallPolicyOptions): CallPolicy {
  const upstream = options.upstream;
  // Every time this policy reads or waits on goes through the clock, so tests can run it on fake time.
  const clock = options.clock ?? systemClock;
  const timeoutMs = positive('timeoutMs', options.timeoutMs ?? POLICY_DEFAULTS.timeoutMs);
  const budgetMs = positive('budgetMs', options.budgetMs ?? POLICY_DEFAULTS.budgetMs);
  const maxAttempts = positive('retry.maxAttempts', options.retry?.maxAttempts ?? POLICY_DEFAULTS.retry.maxAttempts);
  const backoffFactory = createBackoff({
    initialDelayMs: positive('retry.initialDelayMs', options.retry?.initialDelayMs ?? POLICY_DEFAULTS.retry.initialDelayMs),
    maxDelayMs: positive('retry.maxDelayMs', options.retry?.maxDelayMs ?? POLICY_DEFAULTS.retry.maxDelayMs),
  });
  const halfOpenAfterMs = positive('breaker.halfOpenAfterMs', options.breaker?.halfOpenAfterMs ?? POLICY_DEFAULTS.breaker.halfOpenAfterMs);
  const bulkheadLimit = positive('bulkhead.limit', options.bulkhead?.limit ?? POLICY_DEFAULTS.bulkhead.limit);
  const bulkheadQueue = nonNegative('bulkhead.queue', options.bulkhead?.queue ?? POLICY_DEFAULTS.bulkhead.queue);

  // Consecutive rather than sampling: Interchange's traffic per vendor can be a trickle, where a sampling
  // breaker either never gathers its minimum rate or trips on one failure in two calls; "N vendor faults in a
  // row" means the same at 1 call a minute and at 100 a second, and is deterministic to test. A vendor that
  // answers most calls but fails some is degraded, not down: retries handle that, the breaker should not.
  const breaker = circuitBreaker(
    handleWhen((error) => error instanceof AttemptFailed && error.failure.countsForBreaker),
    {
      halfOpenAfter: halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(positive('breaker.threshold', options.breaker?.threshold ?? POLICY_DEFAULTS.breaker.threshold)),
    },
  );
  const slots = bulkhead(bulkheadLimit, bulkheadQueue);
  const quota = createQuota(upstream, options.quota ?? {}, options.redis, clock);
  const recent = createLatencyWindow(positive('windowSize', options.windowSize ?? POLICY_DEFAULTS.windowSize));
  const lifetime = new AbortController();
  // Every call in flight listens for dispose (and removes its listener when done): dozens at once under load
  // are expected, not a leak, so Node's 10-listener warning does not apply.
  setMaxListeners(0, lifetime.signal);

  let openedAt: number | undefined;
  const listeners = [
    breaker.onBreak(() => {
      openedAt = clock.now();
    }),
    breaker.onReset(() => {
      openedAt = undefined;
    }),
  ];
  const breakerRetryInMs = (now: number): number | undefined =>
    breaker.state === CircuitState.Open && openedAt !== undefined ? Math.max(0, openedAt + halfOpenAfterMs - now) : undefined;

  /** The one place a failure leaves the policy: always an InterchangeError naming the vendor. */
  function toTyped(error: unknown, translate: Translator): InterchangeError {
    if (error instanceof InterchangeError) return error;
    if (error instanceof AttemptFailed) {
      if (error.timedOut !== undefined) return new UpstreamTimeoutError(upstream, { cause: error.timedOut });
      const typed = translateSafely(translate, error.original, upstream);
      const { decision, failure } = error;
      // The vendor asked for a wait that outlasts the request: the caller learns when to come back.
      if (!decision.retry && decision.reason === 'retry-after-past-deadline' && typed.extensions.code !== ErrorCode.UPSTREAM_RATE_LIMITED) {
        return new UpstreamRateLimitedError(upstream, seconds(failure.retryAfterMs ?? 0), typed.detail);
      }
      return typed;
    }
    if (error instanceof QuotaExhaustedError) {
      return new UpstreamRateLimitedError(upstream, seconds(error.waitMs), { cause: error.message });
    }
    if (isBrokenCircuitError(error)) {
      const retryIn = breakerRetryInMs(clock.now());
      return new CircuitOpenError(upstream, retryIn === undefined ? undefined : seconds(retryIn), {
        cause: `circuit open after repeated failures; no call was made`,
      });
    }
    if (isBulkheadRejectedError(error)) {
      // UPSTREAM_UNAVAILABLE for the caller (to them the vendor is as good as down); the log says it was us.
      return new UpstreamUnavailableError(upstream, {
        cause: `too many concurrent calls (${bulkheadLimit} running, ${bulkheadQueue} waiting); none was made`,
      });
    }
    if (error instanceof PolicyDisposed) return new UpstreamUnavailableError(upstream, { cause: error.message });
    // Cockatiel's own cancellation (a queued call dequeued after its deadline) and our deadline reason.
    if (error instanceof DeadlineReached || isTaskCancelledError(error)) {
      return new UpstreamTimeoutError(upstream, { cause: 'the request deadline passed before the call could be made' });
    }
    return translateSafely(translate, error, upstream);
  }

  async function execute<T>(call: CallSpec<T>): Promise<T> {
    const translate = call.translate ?? options.translate;
    if (lifetime.signal.aborted) throw new UpstreamUnavailableError(upstream, { cause: 'the call policy was disposed' });
    const bucket = call.bucket ?? 'default';
    // A misspelt bucket is a bug in the vendor client: thrown as it is, for the log, not dressed as a vendor failure.
    quota.check(bucket);
    const started = clock.now();
    // A deadline that is not a finite number (NaN from a bad parse) is no deadline: the budget applies.
    const requested = call.deadline !== undefined && Number.isFinite(call.deadline) ? call.deadline : Number.POSITIVE_INFINITY;
    const deadline = Math.min(requested, started + budgetMs);
    if (deadline <= started) {
      throw new UpstreamTimeoutError(upstream, { cause: 'the request deadline had passed before the call' });
    }
    const classify = call.classify ?? options.classify;
    const tracker = options.observer?.onCall?.({ upstream, operation: call.operation ?? 'call', kind: call.kind, bucket });

    // One signal for the whole logical call: aborts at the deadline or on dispose, reaching every layer.
    const expiry = new AbortController();
    const cancelTimer = clock.setTimer(deadline - started, () => expiry.abort(new DeadlineReached()));
    const onDispose = (): void => expiry.abort(new PolicyDisposed());
    lifetime.signal.addEventListener('abort', onDispose, { once: true });

    let attempts = 0;
    let backoff: IBackoff<unknown> | undefined;
    const attempt = async ({ signal }: { signal: AbortSignal }): Promise<T> => {
      attempts += 1;
      const queued = performance.now();
      await quota.acquire(bucket, deadline, signal);
      const remainingMs = deadline - clock.now();
      const limitMs = Math.max(1, Math.min(timeoutMs, remainingMs));
      const cutBy = timeoutMs <= remainingMs ? 'the per-call timeout' : 'the request deadline';
      let attemptSignal: AbortSignal | undefined;
      const begun = performance.now();
      const attemptEnded = tracker?.onAttempt?.({
        attempt: attempts,
        breaker: breakerStateName(breaker.state),
        quotaWaitMs: begun - queued,
      });
      try {
        // Aggressive, not cooperative: the signal is aborted (an SDK that honours it closes its socket) AND the
        // attempt rejects at once, so an SDK that ignores the signal cannot hold the caller past the deadline.
        // abortOnReturn off, so an aborted signal afterwards means "timed out" and nothing else.
        const value = await timeout(limitMs, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false }).execute(
          (_context, attemptAbort) => {
            attemptSignal = attemptAbort;
            return call.run(attemptAbort);
          },
          signal,
        );
        recent.record(performance.now() - begun, false);
        attemptEnded?.({ durationMs: performance.now() - begun });
        return value;
      } catch (error) {
        const timedOut = isTaskCancelledError(error) || attemptSignal?.aborted === true;
        const failure = timedOut ? TIMEOUT_FAILURE : classifySafely(classify, error);
        recent.record(performance.now() - begun, failure.countsForBreaker);
        backoff = backoff ? backoff.next(undefined) : backoffFactory.next(undefined);
        const decision = shouldRetry(failure, attempts, call, {
          maxAttempts,
          backoffMs: backoff.duration,
          remainingMs: deadline - clock.now(),
        });
        attemptEnded?.({ durationMs: performance.now() - begun, failure, timedOut, decision });
        throw new AttemptFailed(error, failure, decision, timedOut ? `no answer within ${Math.round(limitMs)} ms (${cutBy})` : undefined);
      }
    };

    // Outermost to innermost, per attempt where not said otherwise:
    // 1. retry (per logical call): repeats only what shouldRetry allows, sleeping the delay it chose. Outside
    //    everything else, so each attempt passes the breaker, the bulkhead and the quota afresh, and a sleeping
    //    call holds no concurrency slot and no quota.
    // 2. circuit breaker (per vendor): counts each ATTEMPT, not each logical call. An attempt is what the vendor
    //    sees and so the honest health signal; counting per attempt opens the circuit sooner in a retry storm,
    //    and once it is open the pending retries of every caller stop at once (CircuitOpen is never retried),
    //    which is what ends the storm. Outside the bulkhead, so an open circuit fails fast without queueing.
    // 3. bulkhead (per vendor): bounds attempts in flight and waiting, i.e. sockets and memory. Its rejections
    //    and the quota's are our own limits, not vendor faults: the breaker's filter ignores them.
    // 4. quota (per vendor and bucket): waits for a slot up to the deadline, holding a bulkhead slot so that
    //    the waiting is bounded by the bulkhead queue too.
    // 5. timeout (per attempt): min(timeoutMs, deadline - now), computed after the quota wait.
    const retryPolicy = retry(
      handleWhen((error) => error instanceof AttemptFailed && error.decision.retry),
      {
        // shouldRetry is the real limit; this keeps cockatiel's own loop consistent with it.
        maxAttempts: maxAttempts - 1,
        backoff: new DelegateBackoff((context: IRetryBackoffContext<unknown>) => {
          const result = context.result;
          return 'error' in result && result.error instanceof AttemptFailed && result.error.decision.retry
            ? result.error.decision.delayMs
            : 0;
        }),
      },
    );
    try {
      const value = await untilAborted(wrap(retryPolicy, breaker, slots).execute(attempt, expiry.signal), expiry.signal);
      tracker?.onEnd?.({ attempts, error: undefined, breaker: breakerStateName(breaker.state) });
      return value;
    } catch (error) {
      const typed = toTyped(error, translate);
      tracker?.onEnd?.({ attempts, error: typed, breaker: breakerStateName(breaker.state) });
      throw typed;
    } finally {
      cancelTimer();
      lifetime.signal.removeEventListener('abort', onDispose);
    }
  }

  return {
    execute,
    state(): PolicyState {
      const now = clock.now();
      const retryIn = breakerRetryInMs(now);
      return {
        upstream,
        breaker: breakerStateName(breaker.state),
        ...(retryIn === undefined ? {} : { breakerRetryInMs: retryIn }),
        inFlight: bulkheadLimit - slots.executionSlots,
        queued: bulkheadQueue - slots.queueSlots,
        recent: recent.summary(),
        quota: quota.remaining(now),
      };
    },
    dispose() {
      lifetime.abort(new PolicyDisposed());
      for (const listener of listeners) listener.dispose();
    },
  };
}

/**
 * Settles with the promise, or rejects with the signal's reason once it aborts (whichever comes first); the
 * promise's later outcome is consumed. The last guard that no logical call outlives its deadline, whatever
 * layer it is waiting in (cockatiel's bulkhead queue only notices an aborted signal when it dequeues).
 */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function classifySafely(classify: Classifier, error: unknown): Failure {
  try {
    return classify(error);
  } catch {
    // A classifier bug must not turn into retries or a tripped breaker: treat the failure as final and benign.
    return { retryable: false, countsForBreaker: false };
  }
}

function translateSafely(translate: Translator, error: unknown, upstream: string): InterchangeError {
  try {
    const typed = translate(error);
    if (typed instanceof InterchangeError) return typed;
  } catch {
    // Falls through: a translator bug still yields a typed error naming the vendor.
  }
  return new UpstreamUnavailableError(upstream, { cause: error instanceof Error ? error.message : String(error) });
}

function breakerStateName(state: CircuitState): BreakerState {
  switch (state) {
    case CircuitState.Closed:
      return 'closed';
    case CircuitState.Open:
      return 'open';
    case CircuitState.HalfOpen:
      return 'half-open';
    case CircuitState.Isolated:
      return 'isolated';
    default: {
      const unreachable: never = state;
      throw new Error(`unknown circuit state ${String(unreachable)}`);
    }
  }
}

/** Whole seconds for `retryAfter`, rounded up and at least 1, so a caller never retries too early. */
const seconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new Error(`call policy option ${name} must be a positive number, got ${value}`);
  return value;
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new Error(`call policy option ${name} must be zero or more, got ${value}`);
  return value;
}
