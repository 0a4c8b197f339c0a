import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedPeople } from '../../emulators/shared/people.js';
import { startTestStack } from '../kit/stack.js';

/** One span as an OTLP/HTTP JSON export carries it, with its resource's service.name. */
type ReceivedSpan = {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  attributes: Record<string, unknown>;
};

type AnyValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
const valueOf = (value: AnyValue): unknown =>
  value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : undefined) ?? value.boolValue ?? value.doubleValue;
const attributesOf = (list: Array<{ key: string; value: AnyValue }> = []) =>
  Object.fromEntries(list.map(({ key, value }) => [key, valueOf(value)]));

/** An OTLP/HTTP receiver: decodes every JSON export posted to /v1/traces. */
function startReceiver(): Promise<{ server: Server; url: string; spans: ReceivedSpan[]; contentTypes: string[] }> {
  const spans: ReceivedSpan[] = [];
  const contentTypes: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      contentTypes.push(String(req.headers['content-type']));
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        resourceSpans: Array<{
          resource: { attributes: Array<{ key: string; value: AnyValue }> };
          scopeSpans: Array<{
            spans: Array<{
              traceId: string;
              spanId: string;
              parentSpanId?: string;
              name: string;
              attributes?: Array<{ key: string; value: AnyValue }>;
            }>;
          }>;
        }>;
      };
      for (const resourceSpans of body.resourceSpans) {
        const service = String(attributesOf(resourceSpans.resource.attributes)['service.name']);
        for (const scope of resourceSpans.scopeSpans) {
          for (const span of scope.spans) {
            spans.push({
              service,
              traceId: span.traceId,
              spanId: span.spanId,
              parentSpanId: span.parentSpanId ?? '',
              name: span.name,
              attributes: attributesOf(span.attributes),
            });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, contentTypes }),
    ),
  );
}

const CUSTOMER_360 = readFileSync(new URL('../../bench/economy/operations/Customer360.graphql', import.meta.url), 'utf8');
/** A person present in all four systems. */
const person = seedPeople().find((p) => p.inStripe && p.inMixpanel && p.erpCustomerNo)!;
const VENDOR_OF: Record<string, string> = {
  crm: 'hubspot',
  'crm-relations': 'hubspot',
  payments: 'stripe',
  analytics: 'mixpanel',
  erp: 'erp',
};
/** The part (process service) that serves a subgraph: crm-relations is the crm part's, over its client. */
const partOf = (subgraph: string) => (subgraph === 'crm-relations' ? 'crm' : subgraph);

let receiver: Awaited<ReturnType<typeof startReceiver>>;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(() => new Promise<void>((resolve) => receiver.server.close(() => resolve())));

describe('traces over OTLP/HTTP', () => {
  it('exports one trace for a four-vendor query: gateway request → fetch → subgraph → vendor call → attempt', async () => {
    const stack = await startTestStack({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, STATUS_TRACES: '0' });
    let traceparent: string | null;
    try {
      const result = await stack.query(CUSTOMER_360, { email: person.email });
      expect(result.errors).toBeUndefined();
      traceparent = result.headers.get('traceparent');
    } finally {
      // Closing flushes every part's exporter.
      await stack.close();
    }
    expect(receiver.contentTypes.every((type) => type.startsWith('application/json'))).toBe(true);
    const spans = receiver.spans;
    const traceIds = new Set(spans.map((span) => span.traceId));
    expect(traceIds.size).toBe(1);
    const byId = new Map(spans.map((span) => [span.spanId, span]));
    const parentOf = (span: ReceivedSpan) => byId.get(span.parentSpanId);

    const roots = spans.filter((span) => span.parentSpanId === '');
    expect(roots).toHaveLength(1);
    const root = roots[0]!;
    expect(root).toMatchObject({
      service: 'interchange-gateway',
      name: 'query Customer360',
      attributes: { 'graphql.operation.name': 'Customer360', 'graphql.operation.type': 'query', 'interchange.client': 'anonymous' },
    });
    // The caller gets the root span's context back.
    expect(traceparent).toBe(`00-${root.traceId}-${root.spanId}-01`);

    for (const [subgraph, vendor] of Object.entries(VENDOR_OF)) {
      const fetches = spans.filter((span) => span.name === `fetch ${subgraph}`);
      expect(fetches.length, `fetches of ${subgraph}`).toBeGreaterThanOrEqual(1);
      for (const fetchSpan of fetches) expect(parentOf(fetchSpan)).toBe(root);
      const servers = spans.filter(
        (span) => span.service === `interchange-${partOf(subgraph)}` && span.attributes['interchange.subgraph'] === subgraph,
      );
      expect(servers.length).toBe(fetches.length);
      for (const server of servers) {
        expect(server.name.startsWith(`subgraph ${subgraph} `)).toBe(true);
        expect(fetches).toContain(parentOf(server));
        expect(server.attributes['graphql.operation.name']).toMatch(new RegExp(`^Customer360__${subgraph.replace('-', '_')}__\\d+$`));
      }

      // Up the tree (through a DataLoader batch span where there is one) to the request span of a subgraph.
      const serverOf = (call: ReceivedSpan) => {
        let ancestor = parentOf(call);
        while (ancestor && ancestor.name.startsWith('dataloader ')) ancestor = parentOf(ancestor);
        return ancestor;
      };
      const vendorCalls = spans.filter(
        (span) => span.attributes['interchange.vendor'] === vendor && span.attributes['interchange.vendor.attempt'] === undefined,
      );
      // Every call of the vendor sits under a request span of a subgraph over that vendor (both CRM subgraphs for HubSpot).
      for (const call of vendorCalls) expect(VENDOR_OF[String(serverOf(call)?.attributes['interchange.subgraph'])]).toBe(vendor);
      const calls = vendorCalls.filter((call) => servers.includes(serverOf(call)!));
      expect(calls.length, `${vendor} calls of ${subgraph}`).toBeGreaterThanOrEqual(1);
      for (const call of calls) {
        expect(call.service).toBe(`interchange-${partOf(subgraph)}`);
        expect(call.name).toBe(`${vendor} ${String(call.attributes['interchange.vendor.endpoint'])}`);
        expect(call.attributes).toMatchObject({ 'interchange.vendor.attempts': 1, 'interchange.vendor.breaker': 'closed' });
        const attempts = spans.filter((span) => span.parentSpanId === call.spanId);
        expect(attempts).toHaveLength(1);
        expect(attempts[0]!.attributes).toMatchObject({
          'interchange.vendor.attempt': 1,
          'interchange.vendor.status': 'ok',
          'interchange.vendor.breaker': 'closed',
        });
        expect(typeof attempts[0]!.attributes['interchange.vendor.quota_wait_ms']).toBe('number');
      }
    }
    // The ERP calls are named by the operation table's SOAP operation.
    expect(spans.some((span) => span.name === 'erp ReadMultiple')).toBe(true);
    // DataLoader batches carry their size.
    const batch = spans.find((span) => span.name === 'dataloader Customer' && span.service === 'interchange-crm');
    expect(batch?.attributes['interchange.dataloader.batch_size']).toBeGreaterThanOrEqual(1);
  });

  it('exports nothing without an endpoint, and production keeps no traces in memory unless STATUS_TRACES says so', async () => {
    const before = receiver.spans.length;
    const stack = await startTestStack({ NODE_ENV: 'production', ADMIN_TOKEN: 'admin-token-0123456789abcdef' });
    try {
      const result = await stack.query('{ __typename }');
      expect(result.status).toBe(200);
      const status = (await (
        await fetch(`${stack.gatewayUrl}/status.json`, { headers: { authorization: 'Bearer admin-token-0123456789abcdef' } })
      ).json()) as { slowest: unknown[]; tracesNote: string };
      expect(status.slowest).toEqual([]);
      expect(status.tracesNote).toMatch(/STATUS_TRACES/);
    } finally {
      await stack.close();
    }
    expect(receiver.spans.length).toBe(before);
  });
});
