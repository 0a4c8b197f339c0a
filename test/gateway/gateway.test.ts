import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, readGatewayConfig } from '../../gateway/index.js';
import { startGatewayProcess } from '../kit/gateway-process.js';
import { memoryLogger, startTestStack, type TestStack } from '../kit/stack.js';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack.close());

describe('health and readiness', () => {
  it('answers /health and reports every subgraph ready on /ready', async () => {
    expect(await (await fetch(`${stack.gatewayUrl}/health`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${stack.gatewayUrl}/ready`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { status: string; subgraphs: Array<{ name: string; ok: boolean }> };
    expect(body.status).toBe('ready');
    expect(body.subgraphs.map((subgraph) => subgraph.name).sort()).toEqual(Object.keys(stack.subgraphUrls).sort());
    expect(body.subgraphs.every((subgraph) => subgraph.ok)).toBe(true);
  });

  it('is not ready when a subgraph does not answer', async () => {
    const { log } = memoryLogger();
    const gateway = await createGateway({
      config: { ...readGatewayConfig({ NODE_ENV: 'test' }), port: 0, subgraphUrls: { crm: 'http://127.0.0.1:9/graphql' } },
      log,
    });
    const url = await gateway.listen();
    try {
      const ready = await fetch(`${url}/ready`);
      expect(ready.status).toBe(503);
      const body = (await ready.json()) as { subgraphs: Array<{ name: string; ok: boolean; error?: string }> };
      expect(body.subgraphs.find((subgraph) => subgraph.name === 'crm')).toMatchObject({ ok: false });
    } finally {
      await gateway.close();
    }
  });
});

describe('outbound calls', () => {
  it("turns off @apollo/gateway's usage reporting to Apollo unless the operator chose otherwise", async () => {
    delete process.env.APOLLO_TELEMETRY_DISABLED;
    const { log } = memoryLogger();
    const gateway = await createGateway({ config: { ...readGatewayConfig({ NODE_ENV: 'test' }), port: 0 }, log });
    try {
      expect(process.env.APOLLO_TELEMETRY_DISABLED).toBe('true');
    } finally {
      await gateway.close();
    }
  });
});

describe('request identity', () => {
  it('generates an x-request-id and a traceparent when the caller sends none', async () => {
    const result = await stack.query('{ __typename }');
    expect(result.headers.get('x-request-id')).toMatch(/^[\da-f-]{36}$/);
    expect(result.headers.get('traceparent')).toMatch(/^00-[\da-f]{32}-[\da-f]{16}-01$/);
  });

  it("keeps the caller's ids, echoes them and passes them to the subgraphs", async () => {
    const requestId = 'test-request-7f3a';
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const result = await stack.query('{ customer(id: "99999999") { id } }', undefined, { 'x-request-id': requestId, traceparent });
    expect(result.headers.get('x-request-id')).toBe(requestId);
    // The caller's trace continues: the parent it hears back is the gateway's own request span in that trace.
    expect(result.headers.get('traceparent')).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-(?!00f067aa0ba902b7)[\da-f]{16}-01$/);
    // The subgraph logs its NOT_FOUND with the request id it received from the gateway.
    const subgraphLine = stack.logLines.find((line) => line.subgraph === 'crm' && line.requestId === requestId);
    expect(subgraphLine).toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('HTTP protections', () => {
  it('refuses a GET operation without a preflight header (CSRF prevention)', async () => {
    const response = await fetch(`${stack.gatewayUrl}/graphql?query=${encodeURIComponent('{ __typename }')}`);
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/CSRF/i);
  });

  it('answers a body over the limit with 413 and a JSON error', async () => {
    const response = await fetch(`${stack.gatewayUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ __typename } # ${'x'.repeat(2 * 1024 * 1024)}` }),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ errors: [{ extensions: { code: 'PAYLOAD_TOO_LARGE' } }] });
  });

  it('serves Apollo Sandbox and introspection in development', async () => {
    const page = await fetch(`${stack.gatewayUrl}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/sandbox/i);
    const introspection = await stack.query<{ __schema: { queryType: { name: string } } }>('{ __schema { queryType { name } } }');
    expect(introspection.data?.__schema.queryType.name).toBe('Query');
  });

  it('turns Sandbox and introspection off in production unless enabled', async () => {
    const { log } = memoryLogger();
    const gateway = await createGateway({
      config: {
        ...readGatewayConfig({ NODE_ENV: 'production', SUBGRAPH_SECRET: stack.subgraphSecret }),
        port: 0,
        subgraphUrls: stack.subgraphUrls,
      },
      log,
    });
    const url = await gateway.listen();
    try {
      const page = await fetch(`${url}/graphql`, { headers: { accept: 'text/html' } });
      expect(await page.text()).not.toMatch(/sandbox/i);
      const introspection = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __schema { queryType { name } } }' }),
      });
      const body = (await introspection.json()) as { errors?: Array<{ extensions?: { code?: string } }> };
      expect(body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    } finally {
      await gateway.close();
    }
  });
});

describe('graceful shutdown', () => {
  /** A stand-in subgraph that holds each request for `delayMs`, then passes it to the real CRM subgraph. */
  function slowProxy(target: string, delayMs: number): Promise<{ url: string; server: Server }> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        setTimeout(async () => {
          const signature = req.headers['x-interchange-signature'] as string;
          const upstream = await fetch(target, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-interchange-signature': signature },
            body: Buffer.concat(chunks),
          });
          res.writeHead(upstream.status, { 'content-type': 'application/json' });
          res.end(Buffer.from(await upstream.arrayBuffer()));
        }, delayMs);
      });
    });
    return new Promise((resolve) =>
      server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, server })),
    );
  }

  it('finishes in-flight requests, then refuses new connections', async () => {
    const proxy = await slowProxy(stack.subgraphUrls.crm!, 400);
    const { log } = memoryLogger();
    const gateway = await createGateway({
      config: {
        ...readGatewayConfig({ NODE_ENV: 'test', SUBGRAPH_SECRET: stack.subgraphSecret }),
        port: 0,
        subgraphUrls: { crm: proxy.url },
      },
      log,
    });
    const url = await gateway.listen();
    try {
      const inFlight = fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ customers(first: 2) { nodes { id } } }' }),
      });
      await new Promise((resolve) => setTimeout(resolve, 150));
      const closing = gateway.close();
      const response = await inFlight;
      expect(response.status).toBe(200);
      expect(((await response.json()) as { data: { customers: { nodes: unknown[] } } }).data.customers.nodes).toHaveLength(2);
      await closing;
      await expect(fetch(`${url}/health`)).rejects.toThrow();
    } finally {
      proxy.server.close();
    }
  });

  it('exits with status 0 on SIGTERM when run as its own process, as in production', async () => {
    const subgraphs = Object.fromEntries(
      Object.entries(stack.subgraphUrls).map(([name, url]) => [`SUBGRAPH_${name.toUpperCase()}_URL`, url]),
    );
    const gateway = await startGatewayProcess({ ...subgraphs, NODE_ENV: 'production', SUBGRAPH_SECRET: stack.subgraphSecret });
    expect((await fetch(`${gateway.url}/health`)).status).toBe(200);
    const exited = new Promise<number | null>((resolve) => gateway.child.once('exit', (code) => resolve(code)));
    gateway.child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
