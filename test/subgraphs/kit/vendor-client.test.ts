import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../subgraphs/kit/errors.js';
import { createVendorClient, type VendorClient } from '../../../subgraphs/kit/vendor-client.js';
import { classify, fakeVendor, rejection, translate, VENDOR, vendor503, type FakeVendor } from './policy/testkit.js';

/** A vendor client of the kind each vendor folder builds: one method per operation of its table. */
interface AcmeClient extends VendorClient<AcmeClient> {
  read(): Promise<string>;
  create(): Promise<string>;
  update(): Promise<string>;
  search(): Promise<string>;
}

const OPERATIONS = {
  read: { kind: 'read' },
  create: { kind: 'write' },
  update: { kind: 'write', idempotent: true },
  search: { kind: 'read', bucket: 'search' },
} as const;

function acme(
  vendor: FakeVendor,
  options: { quota?: Record<string, Array<{ points: number; durationSeconds: number }>>; onClose?: () => void } = {},
) {
  return createVendorClient<AcmeClient, keyof typeof OPERATIONS>(
    {
      policy: {
        timeoutMs: 1_000,
        retry: { maxAttempts: 3 },
        breaker: { threshold: 100, halfOpenAfterMs: 1_000 },
        bulkhead: { limit: 10, queue: 10 },
      },
      quota: options.quota ?? { search: [] },
    },
    {
      upstream: VENDOR,
      classify,
      translate,
      operations: OPERATIONS,
      close: options.onClose,
      methods: (call) => ({
        read: () => call('read', vendor.run),
        create: () => call('create', vendor.run),
        update: () => call('update', vendor.run),
        search: () => call('search', vendor.run),
      }),
    },
  );
}

describe('createVendorClient', () => {
  it('retries what the table calls repeatable (reads, idempotent writes) and never a plain write', async () => {
    for (const [method, calls] of [
      ['read', 2],
      ['update', 2],
      ['create', 1],
    ] as const) {
      const vendor = fakeVendor(vendor503(), { value: 'ok' });
      const client = acme(vendor);
      if (calls === 2) await expect(client[method]()).resolves.toBe('ok');
      else expect((await rejection(client[method]())).extensions.code).toBe(ErrorCode.UPSTREAM_UNAVAILABLE);
      expect(vendor.calls).toBe(calls);
      await client.close();
    }
  });

  it('spends the quota bucket the table names', async () => {
    const vendor = fakeVendor({ value: 'ok' });
    const client = acme(vendor, { quota: { search: [{ points: 1, durationSeconds: 60 }] } });
    await client.search();
    // The next search would wait a minute: past the deadline, so it is refused without a call; reads are free.
    const error = await rejection(client.withDeadline(Date.now() + 200).search());
    expect(error.extensions.code).toBe(ErrorCode.UPSTREAM_RATE_LIMITED);
    await expect(client.read()).resolves.toBe('ok');
    expect(vendor.calls).toBe(2);
    expect(client.upstreamState().quota.search).toMatchObject({ remaining: 0 });
    await client.close();
  });

  it('refuses at construction an operation spending a bucket the config does not declare', () => {
    expect(() => acme(fakeVendor({ value: 'ok' }), { quota: {} })).toThrow(/operation search spends quota bucket "search"/);
  });

  it('binds each request to its deadline, and close refuses new calls and closes the vendor pool once', async () => {
    const vendor = fakeVendor({ value: 'ok' });
    let closed = 0;
    const client = acme(vendor, { onClose: () => void (closed += 1) });
    const error = await rejection(client.withDeadline(Date.now() - 1).read());
    expect(error.extensions.code).toBe(ErrorCode.UPSTREAM_TIMEOUT);
    expect(vendor.calls).toBe(0);
    await client.close();
    expect(closed).toBe(1);
    expect((await rejection(client.read())).extensions.code).toBe(ErrorCode.UPSTREAM_UNAVAILABLE);
    expect(vendor.calls).toBe(0);
  });
});
