import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, NotFoundError } from '../../../../subgraphs/kit/errors.js';
import type { CallPolicy } from '../../../../subgraphs/kit/policy/index.js';
import { FakeVendorError, fakeVendor, rejection, sleep, testPolicy, VENDOR, vendor503 } from './testkit.js';

let policy: CallPolicy | undefined;
afterEach(() => {
  policy?.dispose();
  policy = undefined;
});

describe('timeouts and deadlines', () => {
  it('passes the vendor call a live signal and returns its value', async () => {
    policy = testPolicy();
    const vendor = fakeVendor({ value: 'ok' });
    await expect(policy.execute({ run: vendor.run, kind: 'read' })).resolves.toBe('ok');
    expect(vendor.calls).toBe(1);
    expect(vendor.signals[0]?.aborted).toBe(false);
  });

  it('aborts the signal at the per-call timeout and answers UPSTREAM_TIMEOUT', async () => {
    policy = testPolicy({ timeoutMs: 60, retry: { maxAttempts: 1 } });
    const vendor = fakeVendor({ hang: true });
    const started = Date.now();
    const error = await rejection(policy.execute({ run: vendor.run, kind: 'read' }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    expect(Date.now() - started).toBeLessThan(500);
    expect(error.extensions).toEqual({ code: ErrorCode.UPSTREAM_TIMEOUT, upstream: VENDOR });
    expect(error.detail?.cause).toMatch(/within 60 ms \(the per-call timeout\)/);
    expect(vendor.signals[0]?.aborted).toBe(true);
  });

  it('does not wait for a vendor call that ignores its signal', async () => {
    policy = testPolicy({ timeoutMs: 60, retry: { maxAttempts: 1 } });
    const started = Date.now();
    const error = await rejection(policy.execute({ run: fakeVendor({ hangDeaf: true }).run, kind: 'read' }));
    expect(error.extensions.code).toBe(ErrorCode.UPSTREAM_TIMEOUT);
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('lets a deadline shorter than the timeout win', async () => {
    policy = testPolicy({ timeoutMs: 5_000 });
    const vendor = fakeVendor({ hang: true });
    const started = Date.now();
    const error = await rejection(policy.execute({ run: vendor.run, kind: 'read', deadline: started + 80 }));
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(error.extensions.code).toBe(ErrorCode.UPSTREAM_TIMEOUT);
    expect(error.detail?.cause).toMatch(/request deadline/);
    expect(vendor.calls).toBe(1);
    expect(vendor.signals[0]?.aborted).toBe(true);
  });

  it('treats a deadline that is not a number as none (the budget applies)', async () => {
    policy = testPolicy();
    await expect(policy.execute({ run: fakeVendor({ value: 'ok' }).run, kind: 'read', deadline: Number.NaN })).resolves.toBe('ok');
  });

  it('makes no call when the deadline has already passed', async () => {
    policy = testPolicy();
    const vendor = fakeVendor({ value: 'ok' });
    const error = await rejection(policy.execute({ run: vendor.run, kind: 'read', deadline: Date.now() - 1 }));
    expect(error.extensions.code).toBe(ErrorCode.UPSTREAM_TIMEOUT);
    expect(vendor.calls).toBe(0);
  });

  it('retries a timed-out read and answers with the second attempt', async () => {
    policy = testPolicy({ timeoutMs: 40 });
    const vendor = fakeVendor({ hang: true }, { value: 'second' });
    await expect(policy.execute({ run: vendor.run, kind: 'read' })).resolves.toBe('second');
    expect(vendor.calls).toBe(2);
  });
});

describe('retries', () => {
  it('repeats a read after a 503 until it succeeds, waiting the backoff between attempts', async () => {
    policy = testPolicy({ retry: { maxAttempts: 3, initialDelayMs: 40, maxDelayMs: 1_000 } });
    const vendor = fakeVendor(vendor503(), vendor503(), { value: 'third' });
    await expect(policy.execute({ run: vendor.run, kind: 'read' })).resolves.toBe('third');
    expect(vendor.calls).toBe(3);
    const [a = 0, b = 0, c = 0] = vendor.startedAt;
    // Half jitter: the first wait is in [20, 40) ms, the second in [40, 80).
    expect(b - a).toBeGreaterThanOrEqual(19);
    expect(c - b).toBeGreaterThanOrEqual(39);
  });

  it('makes at most maxAttempts attempts, then answers with the last failure translated', async () => {
    policy = testPolicy({ retry: { maxAttempts: 4, initialDelayMs: 1, maxDelayMs: 2 } });
    const vendor = fakeVendor(vendor503());
    const error = await rejection(policy.execute({ run: vendor.run, kind: 'read' }));
    expect(vendor.calls).toBe(4);
    expect(error.extensions).toEqual({ code: ErrorCode.UPSTREAM_UNAVAILABLE, upstream: VENDOR });
  });

  it('never repeats a write without an idempotency key: the vendor is called once', async () => {
    policy = testPolicy();
    const vendor = fakeVendor(vendor503(), { value: 'would have worked' });
    const error = await rejection(policy.execute({ run: vendor.run, kind: 'write' }));
    expect(vendor.calls).toBe(1);
    expect(error.extensions.code).toBe(ErrorCode.UPSTREAM_UNAVAILABLE);
  });

  it('never repeats a timed-out write without an idempotency key either', async () => {
    policy = testPolicy({ timeoutMs: 40 });
    const vendor = fakeVendor({ hang: true }, { value: 'would have worked' });
    const error = await rejection(policy.execute({ run: vendor.run, kind: 'write', idempotent: false }));
    expect(vendor.calls).toBe(1);
    expect(error.extensions.code).toBe(ErrorCode.UPSTREAM_TIMEOUT);
  });

  it('repeats a write that carries an idempotency key', async () => {
    policy = testPolicy();
    const vendor = fakeVendor({ error: new FakeVendorError(undefined) }, { value: 'created' });
    await expect(policy.execute({ run: vendor.run, kind: 'write', idempotent: true })).resolves.toBe('created');
    expect(vendor.calls).toBe(2);
  });

  it('does not repeat a 4xx, and answers the translator’s error as it is', async () => {
    policy = testPolicy();
    const vendor = fakeVendor({ error: new FakeVendorError(400) });
    const error = await rejection(policy.execute({ run: vendor.run, kind: 'read' }));
    expect(vendor.calls).toBe(1);
    expect(error.extensions).toEqual({ code: ErrorCode.UPSTREAM_ERROR, upstream: VENDOR });
    expect(error.detail?.status).toBe(400);
  });

  it('keeps a deliberate error the vendor call raised itself (e.g. NOT_FOUND from mapping)', async () => {
    policy = testPolicy();
    const error = await rejection(
      policy.execute({
        run: async () => {
          throw new NotFoundError('Customer', 'cus_1', { upstream: VENDOR });
        },
        kind: 'read',
      }),
    );
    expect(error).toBeInstanceOf(NotFoundError);
  });

  it('obeys Stripe-Should-Retry: false on a 503 and true on a 409', async () => {
    policy = testPolicy();
    const refused = fakeVendor(vendor503({ 'stripe-should-retry': 'false' }), { value: 'no' });
    await rejection(policy.execute({ run: refused.run, kind: 'read' }));
    expect(refused.calls).toBe(1);
    const invited = fakeVendor({ error: new FakeVendorError(409, { 'stripe-should-retry': 'true' }) }, { value: 'yes' });
    await expect(policy.execute({ run: invited.run, kind: 'write', idempotent: true })).resolves.toBe('yes');
    expect(invited.calls).toBe(2);
  });

  it('honours Retry-After: the next attempt waits as long as the vendor asked', async () => {
    policy = testPolicy();
    const vendor = fakeVendor({ error: new FakeVendorError(429, { 'retry-after': '1' }) }, { value: 'after the wait' });
    await expect(policy.execute({ run: vendor.run, kind: 'read' })).resolves.toBe('after the wait');
    const [a = 0, b = 0] = vendor.startedAt;
    expect(b - a).toBeGreaterThanOrEqual(990);
  });

  it('answers UPSTREAM_RATE_LIMITED with retryAfter at once when Retry-After passes the deadline', async () => {
    policy = testPolicy();
    const vendor = fakeVendor(vendor503({ 'retry-after': '30' }), { value: 'too late' });
    const started = Date.now();
    const error = await rejection(policy.execute({ run: vendor.run, kind: 'read', deadline: started + 2_000 }));
    expect(Date.now() - started).toBeLessThan(500);
    expect(vendor.calls).toBe(1);
    expect(error.extensions).toEqual({ code: ErrorCode.UPSTREAM_RATE_LIMITED, upstream: VENDOR, retryAfter: 30 });
  });

  it('uses a per-call classifier and translator over the policy’s own', async () => {
    policy = testPolicy();
    const vendor = fakeVendor({ error: new FakeVendorError(400) }, { value: 'second' });
    await expect(
      policy.execute({
        run: vendor.run,
        kind: 'read',
        classify: () => ({ retryable: true, countsForBreaker: false }),
      }),
    ).resolves.toBe('second');
    const error = await rejection(
      policy.execute({
        run: fakeVendor({ error: new FakeVendorError(400) }).run,
        kind: 'read',
        translate: () => new NotFoundError('Thing', 'x'),
      }),
    );
    expect(error).toBeInstanceOf(NotFoundError);
  });

  it('survives a classifier or translator that throws: no retry, still a typed error', async () => {
    policy = testPolicy({
      classify: () => {
        throw new Error('classifier bug');
      },
      translate: () => {
        throw new Error('translator bug');
      },
    });
    const vendor = fakeVendor(vendor503());
    const error = await rejection(policy.execute({ run: vendor.run, kind: 'read' }));
    expect(vendor.calls).toBe(1);
    expect(error.extensions).toEqual({ code: ErrorCode.UPSTREAM_UNAVAILABLE, upstream: VENDOR });
  });
});

describe('state and lifecycle', () => {
  it('reports recent latency percentiles and the error rate of vendor faults', async () => {
    policy = testPolicy({ retry: { maxAttempts: 1 }, windowSize: 4 });
    for (const delayMs of [5, 5, 5, 60]) await policy.execute({ run: fakeVendor({ value: 'x', delayMs }).run, kind: 'read' });
    let state = policy.state();
    expect(state).toMatchObject({ upstream: VENDOR, breaker: 'closed', inFlight: 0, queued: 0 });
    expect(state.recent.attempts).toBe(4);
    expect(state.recent.errorRate).toBe(0);
    expect(state.recent.p50Ms).toBeLessThan(50);
    expect(state.recent.p95Ms).toBeGreaterThanOrEqual(50);

    await rejection(policy.execute({ run: fakeVendor(vendor503()).run, kind: 'read' }));
    await rejection(policy.execute({ run: fakeVendor({ error: new FakeVendorError(404) }).run, kind: 'read' }));
    state = policy.state();
    // The window keeps the last 4: two 5 ms successes, a 503 (the vendor's fault), a 404 (ours).
    expect(state.recent.attempts).toBe(4);
    expect(state.recent.errorRate).toBe(0.25);
  });

  it('refuses calls once disposed and aborts the ones running', async () => {
    policy = testPolicy();
    const vendor = fakeVendor({ hang: true });
    const running = rejection(policy.execute({ run: vendor.run, kind: 'read' }));
    await sleep(10);
    policy.dispose();
    const error = await running;
    expect(error.extensions.code).toMatch(/UPSTREAM_(UNAVAILABLE|TIMEOUT)/);
    expect(vendor.signals[0]?.aborted).toBe(true);
    const after = await rejection(policy.execute({ run: vendor.run, kind: 'read' }));
    expect(after.extensions.code).toBe(ErrorCode.UPSTREAM_UNAVAILABLE);
    expect(vendor.calls).toBe(1);
  });

  it('rejects options that make no sense', () => {
    expect(() => testPolicy({ timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(() => testPolicy({ bulkhead: { limit: -1 } })).toThrow(/bulkhead.limit/);
    expect(() => testPolicy({ quota: { default: [{ points: 5, durationSeconds: 0.5 }] } })).toThrow(/whole|integer/);
  });
});
