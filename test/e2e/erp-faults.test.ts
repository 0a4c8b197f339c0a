/**
 * The ERP subgraph against a stand-in that answers what a broken or misconfigured SOAP service answers: faults,
 * malformed XML, silence. The CRM (over its emulator) answers as usual, so each test also shows that an ERP
 * failure costs only the ERP's fields of a response.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../kit/stack.js';

type Mode = { status: number; contentType: string; body: string } | 'hang';

const fault = (code: string, message: string) =>
  '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault>' +
  `<faultcode>${code}</faultcode><faultstring>${message}</faultstring><detail><string>${message}</string></detail>` +
  '</soap:Fault></soap:Body></soap:Envelope>';

let mode: Mode = 'hang';
const received: Array<{ url: string; headers: IncomingHttpHeaders; body: string }> = [];
const hanging = new Set<() => void>();
let fake: Server;
let stack: TestStack;

beforeAll(async () => {
  fake = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      if (mode === 'hang') {
        hanging.add(() => res.destroy());
        return;
      }
      res.writeHead(mode.status, { 'content-type': mode.contentType }).end(mode.body);
    });
  });
  await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
  const { port } = fake.address() as AddressInfo;
  stack = await startTestStack({
    ERP_BASE_URL: `http://127.0.0.1:${port}/DynamicsNAV`,
    ERP_USERNAME: 'INTERCHANGE',
    ERP_PASSWORD: 'not-the-password',
    ERP_TIMEOUT_MS: '400',
    // This file is about how each failure is translated, one SOAP call per query: retries and the circuit
    // breaker (which the failures here would open) are the chaos tests' subject (test/e2e/chaos.test.ts).
    ERP_RETRY_ATTEMPTS: '1',
    ERP_BREAKER_THRESHOLD: '1000',
  });
});
afterAll(async () => {
  await stack.close();
  for (const destroy of hanging) destroy();
  await new Promise<void>((resolve) => fake.close(() => resolve()));
});

type Customers = {
  customers: {
    nodes: Array<{
      email: string | null;
      lastName: string | null;
      erpCustomerNumber: string | null;
      orders: { nodes: Array<{ number: string }> } | null;
    }>;
  };
};

/** Customers with their orders: the CRM part must arrive whole, the ERP part fails with `code`. */
async function expectErpFieldsOnlyFail(code: string, message?: RegExp) {
  received.length = 0;
  const result = await stack.query<Customers>(
    '{ customers(first: 5) { nodes { email lastName erpCustomerNumber orders { nodes { number } } } } }',
  );
  const customers = result.data!.customers.nodes;
  expect(customers).toHaveLength(5);
  const crm = stack.emulators.hubspot!.store;
  for (const customer of customers) {
    expect(customer.email).toMatch(/@/);
    expect(customer.lastName).toBe(
      [...crm.all('contacts')].find((contact) => contact.properties.email === customer.email)?.properties.lastname,
    );
    // A customer with no ERP number needs no ERP call: an empty list, not an error.
    expect(customer.orders).toEqual(customer.erpCustomerNumber ? null : { nodes: [] });
  }
  const numbered = customers.filter((customer) => customer.erpCustomerNumber).length;
  expect(result.errors).toHaveLength(numbered);
  for (const error of result.errors!) {
    expect(error.path?.slice(-1)).toEqual(['orders']);
    expect(error.extensions).toMatchObject({ code, upstream: 'erp' });
    if (message) expect(error.message).toMatch(message);
  }
  // The batch asked once, whatever the number of customers.
  expect(received).toHaveLength(1);
  return result;
}

describe('ERP failures become typed errors on the ERP fields only', () => {
  it('calls the configured company page with a WS-Security PasswordDigest token and the local WSDL', async () => {
    mode = { status: 200, contentType: 'text/xml; charset=utf-8', body: fault('soap:Server', 'x') };
    await stack.query('{ order(number: "SO-10001") { number } }');
    expect(received.at(-1)!.url).toBe('/DynamicsNAV/WS/CRONUS/Page/SalesOrder');
    expect(received.at(-1)!.headers.soapaction).toBe('"urn:microsoft-dynamics-schemas/page/salesorder:ReadMultiple"');
    expect(received.at(-1)!.body).toMatch(/#PasswordDigest">[^<]+<\/wsse:Password><wsse:Nonce [^>]*>[^<]+<\/wsse:Nonce>/);
    expect(received.some((request) => request.url.includes('wsdl'))).toBe(false);
  });

  it('a Server fault is UPSTREAM_UNAVAILABLE', async () => {
    mode = { status: 500, contentType: 'text/xml; charset=utf-8', body: fault('soap:Server', 'The service could not reach its database.') };
    await expectErpFieldsOnlyFail('UPSTREAM_UNAVAILABLE', /erp is unavailable/);
  });

  it('a security fault is UPSTREAM_ERROR telling to check the ERP configuration', async () => {
    mode = {
      status: 500,
      contentType: 'text/xml; charset=utf-8',
      body: fault('soap:Client', 'The security token could not be authenticated or authorized.'),
    };
    await expectErpFieldsOnlyFail('UPSTREAM_ERROR', /check the ERP configuration/);
  });

  it('malformed XML is UPSTREAM_UNAVAILABLE', async () => {
    mode = {
      status: 200,
      contentType: 'text/xml; charset=utf-8',
      body: '<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><ReadMultiple_Result><SalesOrder><No>SO-1</Key>',
    };
    await expectErpFieldsOnlyFail('UPSTREAM_UNAVAILABLE');
  });

  it('an answer that is not XML at all is UPSTREAM_UNAVAILABLE', async () => {
    mode = { status: 502, contentType: 'text/html', body: '<html><body><h1>502 Bad Gateway</h1></body>' };
    await expectErpFieldsOnlyFail('UPSTREAM_UNAVAILABLE');
    mode = { status: 200, contentType: 'text/plain', body: 'garbage \u0000\u0001 <<<' };
    await expectErpFieldsOnlyFail('UPSTREAM_UNAVAILABLE');
  });

  it('an ERP that does not answer within ERP_TIMEOUT_MS is UPSTREAM_TIMEOUT', async () => {
    mode = 'hang';
    await expectErpFieldsOnlyFail('UPSTREAM_TIMEOUT');
  });
});
