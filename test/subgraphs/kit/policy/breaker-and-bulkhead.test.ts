import { afterEach, describe, expect, it, vi } from 'vitest';
import { CircuitOpenError, ErrorCode } from '../../../../subgraphs/kit/errors.js';
import type { CallPolicy } from '../../../../subgraphs/kit/policy/index.js';
import { FakeVendorError, fakeVendor, rejection, sleep, testPolicy, VENDOR, vendor503 } from './testkit.js';

let policy: CallPolicy | undefined;
afterEach(() => {
  policy?.dispose();
  policy = undefined;
  vi.useRealTimers();
});

describe('circuit breaker', () => {
  it('opens after `threshold` consecutive vendor faults and then fails fast without calling', async () => {
    policy = testPolicy({ retry: { maxAttempts: 1 }, breaker: { threshold: 3, halfOpenAfterMs: 5_000 } });
    const vendor = fakeVendor(vendor503());
    for (let i = 0; i < 2; i++) await rejection(policy.execute({ run: vendor.run, kind: 'read' }));
    expect(policy.state().breaker).toBe('closed');
    await rejection(policy.execute({ run: vendor.run, kind: 'read' }));
    expect(policy.state().breaker).toBe('open');
    expect(vendor.calls).toBe(3);

    const error = await rejection(policy.execute({ run: vendor.run, kind: 'read' }));
    expect(error).toBeInstanceOf(CircuitOpenError);
    expect(error.extensions).toMatchObject({ code: ErrorCode.CIRCUIT_OPEN, upstream: VENDOR });
    expect(error.extensions.retryAfter).toBe(5);
    expect(vendor.calls).toBe(3);
    expect(policy.state().breakerRetryInMs).toBeGreaterThan(4_000);
  });

  it('is not opened by the caller’s own mistakes (4xx), nor reset by them', async () => {
    policy = testPolicy({ retry: { maxAttempts: 1 }, breaker: { threshold: 2, halfOpenAfterMs: 5_000 } });
    for (let i = 0; i < 5; i++) await rejection(policy.execute({ run: fakeVendor({ error: new FakeVendorError(400) }).run, kind: 'read' }));
    expect(policy.state().breaker).toBe('closed');
    await rejection(policy.execute({ run: fakeVendor(vendor503()).run, kind: 'read' }));
    await rejection(policy.execute({ run: fakeVendor({ error: new FakeVendorError(404) }).run, kind: 'read' }));
    await rejection(policy.execute({ run: fakeVendor(vendor503()).run, kind: 'read' }));
    expect(policy.state().breaker).toBe('open');
  });

  it('counts each attempt, so a retry storm stops as soon as the circuit opens', async () => {
    policy = testPolicy({
      retry: { maxAttempts: 10, initialDelayMs: 1, maxDelayMs: 2 },
      breaker: { threshold: 3, halfOpenAfterMs: 5_000 },
    });
    const vendor = fakeVendor(vendor503());
    const error = await rejection(policy.execute({ run: vendor.run, kind: 'read' }));
    expect(vendor.calls).toBe(3);
    expect(error.extensions.code).toBe(ErrorCode.CIRCUIT_OPEN);
  });

  it('lets one probe through after halfOpenAfterMs and closes when it succeeds', async () => {
    policy = testPolicy({ retry: { maxAttempts: 1 }, breaker: { threshold: 1, halfOpenAfterMs: 60 } });
    await rejection(policy.execute({ run: fakeVendor(vendor503()).run, kind: 'read' }));
    expect(policy.state().breaker).toBe('open');
    await sleep(70);

    const probe = fakeVendor({ value: 'recovered', delayMs: 30 });
    const others = fakeVendor({ value: 'waited for the probe' });
    const first = policy.execute({ run: probe.run, kind: 'read' });
    await sleep(5);
    expect(policy.state().breaker).toBe('half-open');
    // A call arriving during the probe waits for its outcome instead of hitting the vendor alongside it.
    const second = policy.execute({ run: others.run, kind: 'read' });
    await sleep(5);
    expect(others.calls).toBe(0);
    await expect(first).resolves.toBe('recovered');
    await expect(second).resolves.toBe('waited for the probe');
    expect(policy.state().breaker).toBe('closed');
  });

  it('opens again when the probe fails', async () => {
    policy = testPolicy({ retry: { maxAttempts: 1 }, breaker: { threshold: 1, halfOpenAfterMs: 40 } });
    const vendor = fakeVendor(vendor503());
    await rejection(policy.execute({ run: vendor.run, kind: 'read' }));
    await sleep(50);
    await rejection(policy.execute({ run: vendor.run, kind: 'read' }));
    expect(vendor.calls).toBe(2);
    expect(policy.state().breaker).toBe('open');
    const error = await rejection(policy.execute({ run: vendor.run, kind: 'read' }));
    expect(error.extensions.code).toBe(ErrorCode.CIRCUIT_OPEN);
    expect(vendor.calls).toBe(2);
  });

  it('counts timeouts as vendor faults', async () => {
    policy = testPolicy({ timeoutMs: 20, retry: { maxAttempts: 1 }, breaker: { threshold: 2, halfOpenAfterMs: 5_000 } });
    for (let i = 0; i < 2; i++) await rejection(policy.execute({ run: fakeVendor({ hang: true }).run, kind: 'read' }));
    expect(policy.state().breaker).toBe('open');
  });
});

describe('bulkhead', () => {
  it('runs at most `limit` calls at once, queues `queue` more and rejects the rest at once', async () => {
    // Fake time (the policy's clock and cockatiel's timers alike): "at once" means with no time passing at all.
    vi.useFakeTimers();
    policy = testPolicy({ bulkhead: { limit: 2, queue: 1 } });
    const vendor = fakeVendor({ value: 'done', delayMs: 60 });
    const accepted = Promise.all([1, 2, 3].map(() => policy!.execute({ run: vendor.run, kind: 'read' })));
    await vi.advanceTimersByTimeAsync(10);
    expect(policy.state()).toMatchObject({ inFlight: 2, queued: 1 });

    const started = Date.now();
    const overflow = await rejection(policy.execute({ run: vendor.run, kind: 'read' }));
    expect(Date.now() - started).toBe(0);
    expect(overflow.extensions).toEqual({ code: ErrorCode.UPSTREAM_UNAVAILABLE, upstream: VENDOR });
    expect(overflow.detail?.cause).toMatch(/too many concurrent calls \(2 running, 1 waiting\)/);

    await vi.advanceTimersByTimeAsync(200);
    await expect(accepted).resolves.toEqual(['done', 'done', 'done']);
    expect(vendor.calls).toBe(3);
    expect(vendor.maxConcurrent).toBe(2);
    expect(policy.state()).toMatchObject({ inFlight: 0, queued: 0 });
  });

  it('does not count its own rejections against the vendor', async () => {
    policy = testPolicy({ bulkhead: { limit: 1, queue: 0 }, breaker: { threshold: 1, halfOpenAfterMs: 5_000 } });
    const slow = policy.execute({ run: fakeVendor({ value: 'slow', delayMs: 40 }).run, kind: 'read' });
    for (let i = 0; i < 3; i++) await rejection(policy.execute({ run: fakeVendor({ value: 'x' }).run, kind: 'read' }));
    await slow;
    expect(policy.state().breaker).toBe('closed');
  });

  it('gives up on a queued call when its deadline passes, without ever calling the vendor for it', async () => {
    vi.useFakeTimers();
    policy = testPolicy({ bulkhead: { limit: 1, queue: 5 } });
    const slow = policy.execute({ run: fakeVendor({ value: 'slow', delayMs: 150 }).run, kind: 'read' });
    const queued = fakeVendor({ value: 'never' });
    const started = Date.now();
    const settled = rejection(policy.execute({ run: queued.run, kind: 'read', deadline: started + 50 }));
    await vi.advanceTimersByTimeAsync(50);
    const error = await settled;
    // Exactly at the deadline, not a moment later, while the slow call still holds the only slot.
    expect(Date.now() - started).toBe(50);
    expect(error.extensions.code).toBe(ErrorCode.UPSTREAM_TIMEOUT);
    await vi.advanceTimersByTimeAsync(200);
    await expect(slow).resolves.toBe('slow');
    expect(queued.calls).toBe(0);
  });
});
