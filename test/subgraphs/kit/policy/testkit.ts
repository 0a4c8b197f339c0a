import { expect } from 'vitest';
import { InterchangeError, UpstreamError, UpstreamRateLimitedError, UpstreamUnavailableError } from '../../../../subgraphs/kit/errors.js';
import {
  createCallPolicy,
  parseRetryAfter,
  type CallPolicy,
  type CallPolicyOptions,
  type Classifier,
  type Translator,
} from '../../../../subgraphs/kit/policy/index.js';

export const VENDOR = 'acme';

/** What a fake SDK throws: a status (absent = no response, e.g. a reset) and response headers. */
export class FakeVendorError extends Error {
  constructor(
    readonly status: number | undefined,
    readonly headers: Record<string, string> = {},
  ) {
    super(status === undefined ? 'socket hang up' : `vendor answered ${status}`);
    this.name = 'FakeVendorError';
  }
}

/** A classifier of the kind each vendor client will write: status and headers in, a Failure out. */
export const classify: Classifier = (error) => {
  if (!(error instanceof FakeVendorError)) return { retryable: false, countsForBreaker: false };
  const status = error.status;
  const header = error.headers['stripe-should-retry'];
  const retryAfterMs = parseRetryAfter(error.headers['retry-after']);
  return {
    retryable: status === undefined || status === 429 || status >= 500,
    ...(status === undefined ? {} : { status }),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    ...(header === undefined ? {} : { shouldRetryHeader: header === 'true' }),
    countsForBreaker: status === undefined || status >= 500,
  };
};

export const translate: Translator = (error) => {
  if (error instanceof InterchangeError) return error;
  if (!(error instanceof FakeVendorError) || error.status === undefined || error.status >= 500) {
    return new UpstreamUnavailableError(VENDOR, {
      cause: String(error),
      ...(error instanceof FakeVendorError && error.status ? { status: error.status } : {}),
    });
  }
  if (error.status === 429) {
    const ms = parseRetryAfter(error.headers['retry-after']);
    return new UpstreamRateLimitedError(VENDOR, ms === undefined ? undefined : Math.ceil(ms / 1000), { status: 429 });
  }
  return new UpstreamError(VENDOR, `vendor said ${error.status}`, { status: error.status });
};

/** One scripted answer of the fake vendor. */
export type Outcome =
  | { value: string; delayMs?: number }
  | { error: FakeVendorError; delayMs?: number }
  /** Never answers; rejects when the signal aborts, as an SDK that honours it does. */
  | { hang: true }
  /** Never answers and ignores the signal, as an SDK without cancellation does. */
  | { hangDeaf: true };

export type FakeVendor = {
  run(signal: AbortSignal): Promise<string>;
  /** How many times the vendor was called. */
  readonly calls: number;
  /** The signal each call got. */
  readonly signals: AbortSignal[];
  /** When each call started (Date.now()). */
  readonly startedAt: number[];
  /** The most calls that ran at once. */
  readonly maxConcurrent: number;
};

/** A vendor that answers with `outcomes` in turn, repeating the last one. */
export function fakeVendor(...outcomes: Outcome[]): FakeVendor {
  const signals: AbortSignal[] = [];
  const startedAt: number[] = [];
  let calls = 0;
  let running = 0;
  let maxConcurrent = 0;
  const run = async (signal: AbortSignal): Promise<string> => {
    const outcome = outcomes[Math.min(calls, outcomes.length - 1)];
    if (!outcome) throw new Error('no outcomes scripted');
    calls += 1;
    signals.push(signal);
    startedAt.push(Date.now());
    running += 1;
    maxConcurrent = Math.max(maxConcurrent, running);
    try {
      if ('hang' in outcome) {
        return await new Promise<string>((_, reject) => {
          signal.addEventListener('abort', () => reject(new Error('aborted by the signal')), { once: true });
        });
      }
      if ('hangDeaf' in outcome) return await new Promise<string>(() => {});
      if (outcome.delayMs) await new Promise((resolve) => setTimeout(resolve, outcome.delayMs));
      if ('error' in outcome) throw outcome.error;
      return outcome.value;
    } finally {
      running -= 1;
    }
  };
  return {
    run,
    get calls() {
      return calls;
    },
    signals,
    startedAt,
    get maxConcurrent() {
      return maxConcurrent;
    },
  };
}

/** A policy for the fake vendor with small numbers, so tests run in milliseconds. */
export function testPolicy(options: Partial<CallPolicyOptions> = {}): CallPolicy {
  return createCallPolicy({
    upstream: VENDOR,
    classify,
    translate,
    timeoutMs: 1_000,
    budgetMs: 3_000,
    retry: { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 40 },
    breaker: { threshold: 100, halfOpenAfterMs: 1_000 },
    ...options,
  });
}

/** What `promise` rejected with; fails the test when it resolved. */
export async function rejection(promise: Promise<unknown>): Promise<InterchangeError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(InterchangeError);
    return error as InterchangeError;
  }
  throw new Error('expected a rejection');
}

export const vendor503 = (headers: Record<string, string> = {}) => ({ error: new FakeVendorError(503, headers) });
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
