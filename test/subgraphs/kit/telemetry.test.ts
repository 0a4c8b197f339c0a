import { describe, expect, it } from 'vitest';
import { createTelemetry, createTraceStore } from '../../../platform/index.js';
import { createSubgraphTelemetry } from '../../../subgraphs/kit/index.js';
import { createCallPolicy } from '../../../subgraphs/kit/policy/index.js';
import { FakeVendorError, VENDOR, classify, translate } from './policy/testkit.js';

async function setup() {
  const store = createTraceStore();
  const telemetry = await createTelemetry({
    part: 'acme',
    config: { otlpEndpoint: undefined, sampleRatio: 1, recentTraces: 10 },
    store,
    processMetrics: false,
  });
  const observed = createSubgraphTelemetry(telemetry, 'acme');
  const policy = createCallPolicy({
    upstream: VENDOR,
    classify,
    translate,
    retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 2 },
    observer: observed.observer,
  });
  return { store, telemetry, observed, policy };
}

describe('the call policy under telemetry', () => {
  it('counts each attempt with its status, the retry and its reason, and the logical call with what the caller got', async () => {
    const { telemetry, observed, policy } = await setup();
    observed.watchUpstream(() => policy.state());
    let attempt = 0;
    const value = await policy.execute({
      kind: 'read',
      operation: 'widgets.list',
      run: async () => {
        attempt += 1;
        if (attempt === 1) throw new FakeVendorError(503);
        return 'ok';
      },
    });
    expect(value).toBe('ok');
    await expect(
      policy.execute({ kind: 'write', operation: 'widgets.create', run: async () => Promise.reject(new FakeVendorError(400)) }),
    ).rejects.toThrow();
    const text = await telemetry.registry.metrics();
    expect(text).toContain('interchange_vendor_requests_total{vendor="acme",endpoint="widgets.list",status="503"} 1');
    expect(text).toContain('interchange_vendor_requests_total{vendor="acme",endpoint="widgets.list",status="ok"} 1');
    expect(text).toContain('interchange_vendor_retries_total{vendor="acme",endpoint="widgets.list",reason="503"} 1');
    expect(text).toContain('interchange_vendor_calls_total{vendor="acme",endpoint="widgets.list",result="ok"} 1');
    expect(text).toContain('interchange_vendor_calls_total{vendor="acme",endpoint="widgets.create",result="UPSTREAM_ERROR"} 1');
    expect(text).toContain('interchange_vendor_breaker_state{vendor="acme",state="closed"} 1');
    expect(observed.recent().lastErrors).toMatchObject([{ endpoint: 'widgets.create', code: 'UPSTREAM_ERROR' }]);
    policy.dispose();
  });

  it('traces a call with one child span per attempt: status, retry decision and reason, breaker state', async () => {
    const { store, policy } = await setup();
    let attempt = 0;
    await policy.execute({
      kind: 'read',
      operation: 'widgets.list',
      run: async () => {
        attempt += 1;
        if (attempt === 1) throw new FakeVendorError(undefined);
        return 'ok';
      },
    });
    const [trace] = store.slowest(1);
    const call = trace!.root!;
    expect(call).toMatchObject({
      name: 'acme widgets.list',
      attributes: { 'interchange.vendor.attempts': 2, 'interchange.vendor.breaker': 'closed' },
    });
    const attempts = trace!.spans.filter((span) => span.parentSpanId === call.spanId).sort((a, b) => a.startMs - b.startMs);
    expect(attempts.map((span) => span.attributes)).toMatchObject([
      {
        'interchange.vendor.attempt': 1,
        'interchange.vendor.status': 'network',
        'interchange.vendor.retry': true,
        'interchange.vendor.retry_reason': 'network',
      },
      { 'interchange.vendor.attempt': 2, 'interchange.vendor.status': 'ok' },
    ]);
    expect(attempts[0]!.failed).toBe(true);
    policy.dispose();
  });
});
