import express from 'express';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { adminOnly, boundedLabel, createTelemetry, createTraceStore, readTelemetryConfig } from '../../platform/index.js';

describe('readTelemetryConfig', () => {
  it('keeps traces in memory outside production only, and checks the ratio', () => {
    expect(readTelemetryConfig({})).toEqual({ otlpEndpoint: undefined, sampleRatio: 1, recentTraces: 200 });
    expect(readTelemetryConfig({ NODE_ENV: 'production' }).recentTraces).toBe(0);
    expect(readTelemetryConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/', OTEL_TRACES_SAMPLER_ARG: '0.1' })).toMatchObject({
      otlpEndpoint: 'http://collector:4318',
      sampleRatio: 0.1,
    });
    expect(() => readTelemetryConfig({ OTEL_TRACES_SAMPLER_ARG: '2' })).toThrow(/OTEL_TRACES_SAMPLER_ARG: expected a ratio from 0 to 1/);
  });
});

describe('createTelemetry', () => {
  it('has no tracer when nothing would see the spans, and a registry of its own either way', async () => {
    const off = await createTelemetry({ part: 'gateway', config: { otlpEndpoint: undefined, sampleRatio: 1, recentTraces: 0 } });
    expect(off.tracing).toBeUndefined();
    const other = await createTelemetry({ part: 'crm', processMetrics: false });
    expect(other.registry).not.toBe(off.registry);
  });

  it('records spans of every part into one shared store, parents by explicit and by active context', async () => {
    const store = createTraceStore({ maxTraces: 2 });
    const config = { otlpEndpoint: undefined, sampleRatio: 1, recentTraces: 2 };
    const gateway = (await createTelemetry({ part: 'gateway', config, store, processMetrics: false })).tracing!;
    const crm = (await createTelemetry({ part: 'crm', config, store, processMetrics: false })).tracing!;
    const root = gateway.startSpan('query Q', {});
    // Across a process boundary: only the traceparent travels.
    const server = crm.startSpan('subgraph crm', {}, crm.extract({ traceparent: gateway.traceparent(root) }));
    await crm.run(crm.extract({ traceparent: crm.traceparent(server) }), async () => {
      await Promise.resolve();
      crm.startSpan('hubspot objects.batchRead', {}).end();
    });
    server.end();
    root.end();
    const [trace] = store.slowest(5);
    expect(trace!.root!.name).toBe('query Q');
    expect(trace!.spans.map((span) => [span.name, span.service])).toEqual([
      ['hubspot objects.batchRead', 'interchange-crm'],
      ['subgraph crm', 'interchange-crm'],
      ['query Q', 'interchange-gateway'],
    ]);
    const byName = new Map(trace!.spans.map((span) => [span.name, span]));
    expect(byName.get('hubspot objects.batchRead')!.parentSpanId).toBe(byName.get('subgraph crm')!.spanId);
    expect(byName.get('subgraph crm')!.parentSpanId).toBe(byName.get('query Q')!.spanId);
  });
});

describe('createTraceStore', () => {
  it('keeps the newest traces only', async () => {
    const store = createTraceStore({ maxTraces: 2 });
    const tracing = (
      await createTelemetry({
        part: 'gateway',
        config: { otlpEndpoint: undefined, sampleRatio: 1, recentTraces: 2 },
        store,
        processMetrics: false,
      })
    ).tracing!;
    const ids = [1, 2, 3].map(() => {
      const span = tracing.startSpan('q', {});
      span.end();
      return span.spanContext().traceId;
    });
    expect(store.get(ids[0]!)).toBeUndefined();
    expect(store.get(ids[2]!)).toBeDefined();
  });
});

describe('boundedLabel', () => {
  it('passes the first values, then folds new and malformed ones into other', () => {
    const label = boundedLabel(2);
    expect([label('A'), label('B'), label('C'), label('A'), label(undefined), label('bad name!')]).toEqual([
      'A',
      'B',
      'other',
      'A',
      'none',
      'other',
    ]);
  });
});

describe('adminOnly', () => {
  async function statusOf(
    config: Parameters<typeof adminOnly>[0],
    headers: Record<string, string> = {},
    path = '/x',
  ): Promise<{ status: number; cookie: string | null }> {
    const app = express();
    app.get('/x', adminOnly(config), (_req, res) => void res.send('ok'));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`, { headers });
      return { status: response.status, cookie: response.headers.get('set-cookie') };
    } finally {
      server.close();
    }
  }
  const token = 'admin-token-0123456789abcdef';

  it('is open in development without a token and closed in production', async () => {
    expect((await statusOf({ token: undefined, production: false })).status).toBe(200);
    expect((await statusOf({ token: undefined, production: true })).status).toBe(404);
  });
  it('takes the bearer token, or the query token once, which sets a cookie the next request may use', async () => {
    expect((await statusOf({ token, production: true })).status).toBe(401);
    expect((await statusOf({ token, production: true }, { authorization: `Bearer ${token}` })).status).toBe(200);
    const viaQuery = await statusOf({ token, production: true }, {}, `/x?token=${token}`);
    expect(viaQuery.status).toBe(200);
    expect(viaQuery.cookie).toMatch(/^interchange_admin=.+; HttpOnly; SameSite=Strict/);
    expect((await statusOf({ token, production: true }, { cookie: viaQuery.cookie!.split(';')[0]! })).status).toBe(200);
    expect((await statusOf({ token, production: true }, { cookie: 'interchange_admin=nope' })).status).toBe(401);
  });
});
