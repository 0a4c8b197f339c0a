import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { seedPeople } from '../../../emulators/shared/people.js';
import { createErpSoapEmulator, ERP_WSDL_FILES, PAGE_NAMES, PAGE_SCHEMAS, type PageRecord } from '../../../emulators/erp-soap/index.js';
import { AS_SENT, call, startErp, T0, type Started } from './testkit.js';
import { createClientAsync, WSSecurity } from 'soap';

let started: Started;
beforeAll(async () => {
  vi.useFakeTimers({ toFake: ['Date'], now: T0 });
  started = await startErp();
});
afterAll(async () => {
  await started.erp.close();
  vi.useRealTimers();
});

describe('WSDL', () => {
  test('?wsdl is served as text/xml with the address it was fetched from, and a client built from it works', async () => {
    const url = started.erp.pageUrl('SalesOrder');
    const response = await fetch(`${url}?wsdl`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/xml; charset=utf-8');
    const wsdl = await response.text();
    expect(wsdl).toContain('targetNamespace="urn:microsoft-dynamics-schemas/page/salesorder"');
    expect(wsdl).toContain(`<soap:address location="${url}"/>`);
    expect(wsdl).toContain('soapAction="urn:microsoft-dynamics-schemas/page/salesorder:ReadMultiple"');

    // No endpoint option: the client must find the service through the served address.
    const client = await createClientAsync(`${url}?wsdl`, { customDeserializer: AS_SENT });
    client.setSecurity(new WSSecurity('INTERCHANGE', 'emulator-password', { passwordType: 'PasswordDigest', hasNonce: true }));
    const result = await call(client, 'ReadMultiple', { filter: [{ Field: 'No', Criteria: 'SO-10001..SO-10002' }], setSize: 0 });
    expect(result).toEqual({ ReadMultiple_Result: { SalesOrder: started.erp.snapshot('SalesOrder').slice(0, 2) } });
    expect(started.erp.requests.list({ path: started.erp.pagePath('SalesOrder') }).map((entry) => [entry.method, entry.status])).toEqual([
      ['GET', 200], // our fetch
      ['GET', 200], // the client loading the WSDL
      ['POST', 200],
    ]);
    expect(started.erp.soapCalls('SalesOrder')).toBe(1);
  });

  test('each checked-in WSDL lists exactly the fields and operations the page serves', () => {
    for (const page of PAGE_NAMES) {
      const wsdl = readFileSync(ERP_WSDL_FILES[page], 'utf8');
      const fieldsEnum = new RegExp(`<xsd:simpleType name="${page}_Fields">([\\s\\S]*?)</xsd:simpleType>`).exec(wsdl)?.[1] ?? '';
      const enumerated = [...fieldsEnum.matchAll(/value="([^"]+)"/g)].map((match) => match[1]);
      expect(enumerated).toEqual(PAGE_SCHEMAS[page].fields.map((field) => field.name));
      const actions = [...wsdl.matchAll(/soapAction="([^"]+)"/g)].map((match) => match[1]);
      expect(actions).toEqual(PAGE_SCHEMAS[page].operations.map((operation) => `${PAGE_SCHEMAS[page].namespace}:${operation}`));
    }
  });

  test('GET without ?wsdl, an unknown page, an unknown company and an unknown path are SOAP 1.1 faults', async () => {
    const base = started.erp.url;
    const cases: Array<[string, string]> = [
      ['/WS/CRONUS/Page/Customer', 'Use POST for SOAP requests, or GET with ?wsdl for the service description.'],
      ['/WS/CRONUS/Page/Vendor?wsdl', 'No web service is published at /WS/CRONUS/Page/Vendor.'],
      ['/WS/Fabrikam/Page/Customer?wsdl', "Cannot find the company 'Fabrikam'."],
      ['/nowhere', 'No web service is published at /nowhere.'],
    ];
    for (const [path, message] of cases) {
      const response = await fetch(`${base}${path}`);
      const body = await response.text();
      expect([response.status, response.headers.get('content-type')]).toEqual([500, 'text/xml; charset=utf-8']);
      expect(body).toContain(`<faultcode>soap:Client</faultcode><faultstring>${message}</faultstring>`);
    }
  });

  test('the admin route serves a page snapshot', async () => {
    const response = await fetch(`${started.erp.url}/_emulator/pages/Item`);
    expect(await response.json()).toEqual({ page: 'Item', records: started.erp.snapshot('Item') });
  });
});

describe('seed data', () => {
  test('the same seed gives the same records; another seed different ones', () => {
    const [one, two, other] = [createErpSoapEmulator({ seed: 7 }), createErpSoapEmulator({ seed: 7 }), createErpSoapEmulator({ seed: 8 })];
    for (const page of PAGE_NAMES) expect(one.snapshot(page)).toEqual(two.snapshot(page));
    expect(one.snapshot('SalesOrder')).not.toEqual(other.snapshot('SalesOrder'));
  });

  test('a customer per ERP person, 100 items, 0–6 orders of 1–5 lines and 0–8 invoices per customer', () => {
    const people = seedPeople().filter((person) => person.erpCustomerNo !== null);
    const customers = started.erp.snapshot('Customer');
    expect(customers.map((customer) => [customer.No, customer.E_Mail])).toEqual(
      people.map((person) => [person.erpCustomerNo, person.email]),
    );
    expect(new Set(customers.map((customer) => customer.Currency_Code))).toEqual(new Set(['EUR', 'USD', 'GBP']));
    expect(started.erp.snapshot('Item').map((item) => item.No)).toEqual(Array.from({ length: 100 }, (_, index) => String(1000 + index)));

    const orders = started.erp.snapshot('SalesOrder');
    const perCustomer = (records: readonly PageRecord[]) => {
      const counts = new Map<unknown, number>();
      for (const record of records) counts.set(record.Sell_to_Customer_No, (counts.get(record.Sell_to_Customer_No) ?? 0) + 1);
      return Math.max(...counts.values());
    };
    expect(perCustomer(orders)).toBe(6);
    expect(orders[0]!.No).toBe('SO-10001');
    const lineCounts = orders.map((order) => (typeof order.SalesLines === 'object' ? order.SalesLines.Sales_Order_Line.length : 0));
    expect([Math.min(...lineCounts), Math.max(...lineCounts)]).toEqual([1, 5]);
    expect(new Set(orders.map((order) => order.Status))).toEqual(new Set(['Open', 'Released', 'Pending_Approval', 'Pending_Prepayment']));
    const dates = orders.map((order) => order.Order_Date as string).sort();
    expect(dates[0]! >= '2025-01-01' && dates.at(-1)! <= '2026-12-31').toBe(true);

    const invoices = started.erp.snapshot('PostedSalesInvoice');
    expect(perCustomer(invoices)).toBe(8);
    expect(invoices[0]!.No).toBe('PSI-20001');
    expect(invoices.some((invoice) => invoice.Remaining_Amount !== '0.00')).toBe(true);
  });
});
