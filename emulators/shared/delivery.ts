/**
 * Webhook delivery as vendors do it: POST, wait for a 2xx within a timeout, otherwise try again later on a
 * schedule, until the schedule runs out. Shared by the Stripe and HubSpot emulators; each signs its own way.
 * Faults real deliveries show can be injected: duplicates, and random delays (which reorder deliveries).
 */
import { request as send } from 'undici';
import { createRandom } from './random.js';
import { REQUEST_LOG_LIMIT } from './server.js';

export type DeliveryOptions = {
  /**
   * Waits before each retry, in ms; its length is the number of retries. Default a compressed vendor-like
   * schedule (1 s, 5 s, 30 s, 2 min, 10 min); tests pass milliseconds.
   */
  retryScheduleMs?: readonly number[];
  /** How long a receiver may take to answer before the attempt counts as failed; default 10,000 ms. */
  timeoutMs?: number;
  /** Probability that a successful delivery is sent a second time; default 0. */
  duplicateRate?: number;
  /** Each first attempt waits a random 0..maxDelayMs first, so deliveries overtake each other; default 0. */
  maxDelayMs?: number;
  /** Seed of the fault PRNG; default 7. */
  seed?: number;
  /** How many of the latest attempts `attempts` keeps; default REQUEST_LOG_LIMIT, as the request log. */
  attemptLimit?: number;
};

/** One attempt, as tests and `GET /_emulator/deliveries` see it. */
export type DeliveryAttempt = { target: string; label: string; attempt: number; status: number; at: number; error?: string };

export type Deliverer = {
  /** Sends `body` to `url`; `sign(attempt)` gives the headers of each attempt (signatures carry the time). */
  deliver(request: {
    url: string;
    label: string;
    body: (attempt: number) => string;
    headers: (body: string, attempt: number) => Record<string, string>;
  }): void;
  /** The latest attempts, oldest first (at most `attemptLimit`: an emulator delivering for hours stays bounded). */
  readonly attempts: DeliveryAttempt[];
  /** Resolves when no delivery is pending (tests). */
  idle(): Promise<void>;
  /** Stops retrying; pending deliveries are dropped. */
  close(): void;
};

export function createDeliverer(options: DeliveryOptions = {}): Deliverer {
  const schedule = options.retryScheduleMs ?? [1_000, 5_000, 30_000, 120_000, 600_000];
  const random = createRandom(options.seed ?? 7);
  const attempts: DeliveryAttempt[] = [];
  const attemptLimit = options.attemptLimit ?? REQUEST_LOG_LIMIT;
  const timers = new Set<NodeJS.Timeout>();
  let pending = 0;
  let closed = false;
  let waiters: Array<() => void> = [];

  const later = (ms: number, run: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, ms);
    timers.add(timer);
  };
  const settle = () => {
    pending--;
    if (pending === 0) for (const resolve of waiters.splice(0)) resolve();
  };

  async function attempt(request: Parameters<Deliverer['deliver']>[0], number: number, duplicate: boolean): Promise<void> {
    if (closed) return settle();
    const body = request.body(number);
    let status = 0;
    let error: string | undefined;
    const timeout = options.timeoutMs ?? 10_000;
    try {
      // undici's request rather than fetch: no WHATWG streams or abort signal per attempt, so a vendor sending
      // thousands of deliveries (the events benchmark) spends its CPU on them and not on the client's machinery.
      const response = await send(request.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...request.headers(body, number) },
        body,
        headersTimeout: timeout,
        bodyTimeout: timeout,
      });
      status = response.statusCode;
      await response.body.dump();
    } catch (cause) {
      error = cause instanceof Error ? cause.message : String(cause);
    }
    attempts.push({ target: request.url, label: request.label, attempt: number, status, at: Date.now(), ...(error ? { error } : {}) });
    // Trimmed a tenth at a time, as the request log is, so the copy is paid once per attemptLimit/10 attempts.
    if (attempts.length > attemptLimit) attempts.splice(0, attempts.length - attemptLimit + Math.ceil(attemptLimit / 10));
    const ok = status >= 200 && status < 300;
    if (!ok && number <= schedule.length && !closed) {
      later(schedule[number - 1]!, () => void attempt(request, number + 1, duplicate));
      return;
    }
    if (ok && !duplicate && options.duplicateRate && random.chance(options.duplicateRate)) {
      pending++;
      later(random.int(0, options.maxDelayMs ?? 0), () => void attempt(request, number, true));
    }
    settle();
  }

  return {
    attempts,
    deliver(request) {
      if (closed) return;
      pending++;
      const delay = options.maxDelayMs ? random.int(0, options.maxDelayMs) : 0;
      if (delay > 0) later(delay, () => void attempt(request, 1, false));
      else void attempt(request, 1, false);
    },
    idle: () => (pending === 0 ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve))),
    close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      pending = 0;
      for (const resolve of waiters.splice(0)) resolve();
      waiters = [];
    },
  };
}
