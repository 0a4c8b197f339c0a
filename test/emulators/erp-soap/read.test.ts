import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import type { Client } from 'soap';
import type { PageRecord } from '../../../emulators/erp-soap/index.js';
import { call, faultOf, pageClient, startErp, T0, type Started } from './testkit.js';

let started: Started;
let orders: Client;
let customers: Client;
let items: Client;
let invoices: Client;

beforeAll(async () => {
  vi.useFakeTimers({ toFake: ['Date'], now: T0 });
  started = await startErp();
  [orders, customers, items, invoices] = await Promise.all([
    pageClient(started.erp, 'SalesOrder'),
    pageClient(started.erp, 'Customer'),
    pageClient(started.erp, 'Item'),
    pageClient(started.erp, 'PostedSalesInvoice'),
  ]);
});
afterAll(async () => {
  await started.erp.close();
  vi.useRealTimers();
});

type Filter = { Field: string; Criteria: string };

async function readMultiple(client: Client, page: string, filter: Filter[], setSize = 0, bookmarkKey?: string) {
  const result = await call(client, 'ReadMultiple', { filter, ...(bookmarkKey ? { bookmarkKey } : {}), setSize });
  const list = (result?.ReadMultiple_Result as Record<string, PageRecord[]> | undefined)?.[page];
  return list ?? [];
}

const nos = (records: readonly PageRecord[]) => records.map((record) => record.No);

describe('ReadMultiple', () => {
  test('an OR filter over 50 customer numbers returns exactly their orders, paged by bookmark at setSize 20', async () => {
    const { erp } = started;
    const wanted = new Set(nos(erp.snapshot('Customer').slice(100, 150)));
    const expected = erp.snapshot('SalesOrder').filter((order) => wanted.has(order.Sell_to_Customer_No as string));
    expect(expected.length).toBeGreaterThan(40);
    const filter = [{ Field: 'Sell_to_Customer_No', Criteria: [...wanted].join('|') }];

    const before = erp.soapCalls('SalesOrder');
    const seen: PageRecord[] = [];
    const pageSizes: number[] = [];
    let bookmark: string | undefined;
    for (;;) {
      const page = await readMultiple(orders, 'SalesOrder', filter, 20, bookmark);
      if (page.length === 0) break;
      pageSizes.push(page.length);
      seen.push(...page);
      bookmark = page.at(-1)!.Key as string;
    }
    // Whole records, lines included, each exactly once and in No order.
    expect(seen).toEqual(expected);
    expect(new Set(nos(seen)).size).toBe(seen.length);
    const full = Math.floor(expected.length / 20);
    expect(pageSizes).toEqual([...Array<number>(full).fill(20), ...(expected.length % 20 ? [expected.length % 20] : [])]);
    expect(erp.soapCalls('SalesOrder') - before).toBe(pageSizes.length + 1);
  });

  test('setSize 0 returns every match; no filter returns the whole page', async () => {
    const all = await readMultiple(items, 'Item', [], 0);
    expect(all).toEqual(started.erp.snapshot('Item'));
    expect(all).toHaveLength(100);
  });

  test('ranges: a..b, ..b and a..', async () => {
    expect(nos(await readMultiple(items, 'Item', [{ Field: 'No', Criteria: '1010..1014' }]))).toEqual([
      '1010',
      '1011',
      '1012',
      '1013',
      '1014',
    ]);
    expect(nos(await readMultiple(items, 'Item', [{ Field: 'No', Criteria: '..1002' }]))).toEqual(['1000', '1001', '1002']);
    expect(nos(await readMultiple(items, 'Item', [{ Field: 'No', Criteria: '1097..' }]))).toEqual(['1097', '1098', '1099']);
  });

  test('decimal and date ranges compare as numbers and dates, and filters on different fields AND', async () => {
    const snapshot = started.erp.snapshot('SalesOrder');
    const expected = snapshot.filter((order) => {
      const amount = Number(order.Amount);
      const date = order.Order_Date as string;
      return amount >= 1000 && amount <= 9999.99 && date >= '2025-03-01' && date <= '2025-06-30';
    });
    expect(expected.length).toBeGreaterThan(5);
    const found = await readMultiple(orders, 'SalesOrder', [
      { Field: 'Amount', Criteria: '1000..9999.99' },
      { Field: 'Order_Date', Criteria: '2025-03-01..2025-06-30' },
    ]);
    expect(nos(found)).toEqual(nos(expected));
  });

  test('comparisons, <> and the empty value', async () => {
    const snapshot = started.erp.snapshot('PostedSalesInvoice');
    const open = await readMultiple(invoices, 'PostedSalesInvoice', [{ Field: 'Remaining_Amount', Criteria: '>0' }]);
    expect(nos(open)).toEqual(nos(snapshot.filter((invoice) => Number(invoice.Remaining_Amount) > 0)));
    expect(open.every((invoice) => invoice.Closed === 'false')).toBe(true);
    expect(open.length).toBeGreaterThan(100);

    const orderSnapshot = started.erp.snapshot('SalesOrder');
    const notOpen = await readMultiple(orders, 'SalesOrder', [{ Field: 'Status', Criteria: '<>Open' }]);
    expect(nos(notOpen)).toEqual(nos(orderSnapshot.filter((order) => order.Status !== 'Open')));
    const withoutReference = await readMultiple(orders, 'SalesOrder', [{ Field: 'External_Document_No', Criteria: "''" }]);
    expect(nos(withoutReference)).toEqual(nos(orderSnapshot.filter((order) => order.External_Document_No === '')));
    expect(withoutReference.length).toBeGreaterThan(100);
  });

  test('wildcards, case-sensitive unless @', async () => {
    const snapshot = started.erp.snapshot('Customer');
    const expected = nos(snapshot.filter((customer) => (customer.Name as string).endsWith(' Moreau')));
    expect(expected.length).toBeGreaterThan(5);
    expect(nos(await readMultiple(customers, 'Customer', [{ Field: 'Name', Criteria: '* Moreau' }]))).toEqual(expected);
    expect(await readMultiple(customers, 'Customer', [{ Field: 'Name', Criteria: '* moreau' }])).toEqual([]);
    expect(nos(await readMultiple(customers, 'Customer', [{ Field: 'Name', Criteria: '@* moreau' }]))).toEqual(expected);
    expect(nos(await readMultiple(items, 'Item', [{ Field: 'No', Criteria: '100?' }]))).toEqual([
      '1000',
      '1001',
      '1002',
      '1003',
      '1004',
      '1005',
      '1006',
      '1007',
      '1008',
      '1009',
    ]);
  });

  test('an unknown field is a Client fault naming the field; a bad value names field and value', async () => {
    expect(await faultOf(call(orders, 'ReadMultiple', { filter: [{ Field: 'Colour', Criteria: 'Red' }], setSize: 0 }))).toEqual({
      status: 500,
      contentType: 'text/xml; charset=utf-8',
      faultcode: 'soap:Client',
      faultstring: 'The field "Colour" does not exist on the SalesOrder page.',
      detail: 'The field "Colour" does not exist on the SalesOrder page.',
    });
    const bad = await faultOf(call(orders, 'ReadMultiple', { filter: [{ Field: 'Amount', Criteria: '10..lots' }], setSize: 0 }));
    expect(bad.faultcode).toBe('soap:Client');
    expect(bad.faultstring).toBe(
      'The filter "10..lots" is not valid for the Amount field on the SalesOrder page. The value "lots" can\'t be evaluated into type Decimal.',
    );
  });

  test('a bookmark from another page is refused', async () => {
    const [customer] = started.erp.snapshot('Customer');
    const fault = await faultOf(call(orders, 'ReadMultiple', { filter: [], bookmarkKey: customer!.Key, setSize: 5 }));
    expect(fault.faultcode).toBe('soap:Client');
    expect(fault.faultstring).toBe(`The key "${customer!.Key as string}" is not a valid SalesOrder key.`);
  });
});

describe('Read', () => {
  test('by No returns the record as ReadMultiple does, and an unknown No an empty result', async () => {
    const customer = started.erp.snapshot('Customer')[7]!;
    expect(await call(customers, 'Read', { No: customer.No })).toEqual({ Customer: customer });
    expect(await call(customers, 'Read', { No: 'C99999' })).toBeNull();
    const invoice = started.erp.snapshot('PostedSalesInvoice')[3]!;
    expect(await call(invoices, 'Read', { No: invoice.No })).toEqual({ PostedSalesInvoice: invoice });
  });

  test('Item availability is inventory minus what the orders reserve', async () => {
    const item = started.erp.snapshot('Item')[0]!;
    const reserved = started.erp
      .snapshot('SalesOrder')
      .flatMap((order) => (typeof order.SalesLines === 'object' ? order.SalesLines.Sales_Order_Line : []))
      .filter((line) => line.No === item.No)
      .reduce((sum, line) => sum + Math.round(Number(line.Quantity) * 100), 0);
    expect(item.Reserved_Qty).toBe((reserved / 100).toFixed(2));
    expect(item.Available).toBe(((Math.round(Number(item.Inventory) * 100) - reserved) / 100).toFixed(2));
  });
});
