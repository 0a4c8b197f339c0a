import type { Redis } from 'ioredis';
import type { RetryDecision } from './should-retry.js';
import type { InterchangeError } from '../errors.js';
import type { Clock } from './clock.js';

/** Whether a call only reads vendor data or may change it; decides whether repeating it is safe. */
export type CallKind = 'read' | 'write';

/**
 * What the policy needs to know about one failed attempt. Each vendor's client builds it from what its SDK
 * threw (status, headers, body), so vendor knowledge stays in the vendor folder and the policy stays generic.
 */
export type Failure = {
  /** Whether sending the same request again may succeed: connection errors, 5xx, 429, 409 lock conflicts. */
  retryable: boolean;
  /** The vendor's HTTP status; absent when no response arrived. */
  status?: number;
  /** How long the vendor asked us to wait before the next call, in ms (Retry-After, a rate-limit window). */
  retryAfterMs?: number;
  /** The vendor's explicit verdict (Stripe-Should-Retry): it overrides `retryable` both ways; absent = none. */
  shouldRetryHeader?: boolean;
  /** Whether the failure says the vendor is unwell (5xx, resets, timeouts), not that our request was wrong. */
  countsForBreaker: boolean;
};

/** Builds the Failure for whatever a vendor call threw. Must not throw; it is called for every failed attempt. */
export type Classifier = (error: unknown) => Failure;

/** Turns whatever a vendor call threw into the typed error the resolver raises (the client's `toXxxError`). */
export type Translator = (error: unknown) => InterchangeError;

/** One logical vendor call, as `execute` takes it. */
export type CallSpec<T> = {
  /** The vendor call. It gets a signal that aborts on timeout or deadline; pass it to the SDK where it allows. */
  run(signal: AbortSignal): Promise<T>;
  kind: CallKind;
  /** The vendor endpoint or SOAP operation, e.g. `searchCustomers` (the operation table's name), for metrics and traces; default `call`. */
  operation?: string;
  /** Whether a write carries an idempotency key, so repeating it cannot apply it twice; default false. */
  idempotent?: boolean;
  /** The request's deadline, absolute ms since epoch (see `readDeadline`); no attempt or wait outlives it. */
  deadline?: number;
  /** The quota bucket the call spends from, e.g. `search`; default `default` (no quota when none is configured). */
  bucket?: string;
  /** Overrides the policy's classifier for this call. */
  classify?: Classifier;
  /** Overrides the policy's translator for this call. */
  translate?: Translator;
};

/** One quota window: at most `points` calls in each `durationSeconds` (whole seconds, as Redis expiry counts). */
export type QuotaWindow = { points: number; durationSeconds: number };

export type CallPolicyOptions = {
  /** The vendor's name as configured, e.g. `hubspot`: becomes `extensions.upstream` and the quota's Redis key. */
  upstream: string;
  /** The vendor's classifier, used for every call that does not bring its own. */
  classify: Classifier;
  /** The vendor's translator, used for every call that does not bring its own. */
  translate: Translator;
  /** Longest single attempt in ms (the deadline may cut it shorter); default 10000. */
  timeoutMs?: number;
  /**
   * Longest logical call in ms (attempts, quota waits and backoff together) when the request carries no
   * deadline; default 25000, under the gateway's 30 s subgraph timeout so a typed error arrives first.
   */
  budgetMs?: number;
  retry?: {
    /** Attempts per logical call, the first included; default 3. */
    maxAttempts?: number;
    /** The first backoff in ms before jitter; doubles each retry; default 200. */
    initialDelayMs?: number;
    /** The clamp on one backoff in ms (Retry-After may ask for longer); default 2000. */
    maxDelayMs?: number;
  };
  breaker?: {
    /** Consecutive vendor faults (attempts) that open the circuit; default 5. */
    threshold?: number;
    /** How long the circuit stays open before one probe call may go through, in ms; default 10000. */
    halfOpenAfterMs?: number;
  };
  bulkhead?: {
    /** Attempts running at once; default 10. */
    limit?: number;
    /** Attempts waiting for a slot; beyond it calls fail at once; default 100. */
    queue?: number;
  };
  /**
   * The vendor's published limits, by bucket name: each bucket is one or more windows, all of which a call
   * spends from. A call names its bucket (`default` when it names none). Default: no quota.
   */
  quota?: Readonly<Record<string, readonly QuotaWindow[]>>;
  /** When given, quotas are counted in this Redis and shared by every replica using it; default in memory. */
  redis?: Redis;
  /** How many recent attempts `state()` summarises (latency percentiles, error rate); default 100. */
  windowSize?: number;
  /** Sees every call and attempt (metrics, traces); default none. */
  observer?: CallObserver;
  /**
   * The time source for deadlines, breaker and quota bookkeeping and waits; default the system clock. (The
   * libraries under the policy, cockatiel and rate-limiter-flexible, read the global timers: tests that fake
   * time use vitest's fake timers, which govern both.)
   */
  clock?: Clock;
};

/**
 * Hooks into the policy for metrics and traces (subgraphs/kit/telemetry.ts). Each hook takes one payload and
 * may return what follows that call or attempt; none may throw (the policy does not guard them).
 */
export type CallObserver = {
  /** A logical call starts. */
  onCall?(call: { upstream: string; operation: string; kind: CallKind; bucket: string }): CallTracker | void;
};

export type CallTracker = {
  /** An attempt passed breaker, bulkhead and quota and goes to the vendor now; returns its end callback. */
  onAttempt?(attempt: { attempt: number; breaker: BreakerState; quotaWaitMs: number }): ((end: AttemptEnd) => void) | void;
  /** The logical call settled: `error` is what the caller gets (undefined on success). */
  onEnd?(end: { attempts: number; error: InterchangeError | undefined; breaker: BreakerState }): void;
};

/** How one attempt ended: without `failure` it succeeded. */
export type AttemptEnd = {
  durationMs: number;
  failure?: Failure;
  /** Set when the attempt timed out. */
  timedOut?: boolean;
  /** Whether and why the policy retries after this failure. */
  decision?: RetryDecision;
};

export type BreakerState = 'closed' | 'open' | 'half-open' | 'isolated';

/** What `/health/upstreams` shows for one vendor. */
export type PolicyState = {
  upstream: string;
  breaker: BreakerState;
  /** While open: ms until a probe call may go through. */
  breakerRetryInMs?: number;
  /** Attempts running now (bulkhead slots taken). */
  inFlight: number;
  /** Attempts waiting for a bulkhead slot. */
  queued: number;
  /** The last `windowSize` attempts that reached the vendor; `failed` counts only the vendor's own faults. */
  recent: { attempts: number; errorRate: number; p50Ms: number | undefined; p95Ms: number | undefined; p99Ms: number | undefined };
  /** Per bucket, as last seen when spending (another replica may have spent since, with Redis). */
  /** Per bucket: every window's calls left and reset, and the tightest window's at the top (see quota.ts). */
  quota: Record<
    string,
    {
      remaining: number;
      resetsInMs: number;
      windows: Array<{ points: number; durationSeconds: number; remaining: number; resetsInMs: number }>;
    }
  >;
};

export type CallPolicy = {
  /**
   * Runs one logical call under the policy; rejects with an InterchangeError for every failure of the vendor
   * or of the policy's limits. Only a bucket name no quota configures (a bug) throws a plain Error.
   */
  execute<T>(call: CallSpec<T>): Promise<T>;
  state(): PolicyState;
  /** Refuses new calls and aborts running ones; the Redis client, if any, stays open (its owner closes it). */
  dispose(): void;
};
