/**
 * Last_Date_Modified / Last_Modified_Date_Time: stamped on every Create and Update from the emulator's clock (to
 * its resolution), served as xsd:date / xsd:dateTime, filterable with NAV's syntax and paged by bookmark.
 */
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import type { Client } from 'soap';
import { SEEDED_AT, type PageRecord } from '../../../emulators/erp-soap/index.js';
import { call, faultOf, pageClient, startErp, T0, type Started } from './testkit.js';

let started: Started;
let customers: Client;
let orders: Client;

beforeAll(async () => {
  vi.useFakeTimers({ toFake: ['Date'], now: T0 });
  started = await startErp();
  [customers, orders] = await Promise.all([pageClient(started.erp, 'Customer'), pageClient(started.erp, 'SalesOrder')]);
});
afterAll(async () => {
  await started.erp.close();
  vi.useRealTimers();
});

type Filter = { Field: string; Criteria: string };
async function readMultiple(client: Client, page: string, filter: Filter[], setSize = 0, bookmarkKey?: string): Promise<PageRecord[]> {
  const result = await call(client, 'ReadMultiple', { filter, ...(bookmarkKey ? { bookmarkKey } : {}), setSize });
  return (result?.ReadMultiple_Result as Record<string, PageRecord[]> | undefined)?.[page] ?? [];
}
async function setCity(no: string, city: string): Promise<PageRecord> {
  const current = (await call(customers, 'Read', { No: no }))!.Customer as PageRecord;
  return (await call(customers, 'Update', { Customer: { Key: current.Key, City: city } }))!.Customer as PageRecord;
}
const nos = (records: readonly PageRecord[]) => records.map((record) => record.No);

describe('change tracking', () => {
  test('seeded records carry fixed stamps a minute apart; a write moves the stamp to the clock, cut to whole seconds', async () => {
    const [first, second] = started.erp.snapshot('Customer');
    expect(first!.Last_Modified_Date_Time).toBe(new Date(SEEDED_AT).toISOString());
    expect(second!.Last_Modified_Date_Time).toBe(new Date(SEEDED_AT + 60_000).toISOString());
    expect(first!.Last_Date_Modified).toBe(new Date(SEEDED_AT).toISOString().slice(0, 10));

    started.clock.now = T0 + 1750;
    const updated = await setCity('C00010', 'Stamped');
    expect(updated.Last_Modified_Date_Time).toBe(new Date(T0 + 1000).toISOString());
    expect(updated.Last_Date_Modified).toBe('2026-03-02');
  });

  test('>=, ranges and ties: every record written in the window, in No order, paged by bookmark', async () => {
    started.clock.now = T0 + 10_000;
    for (const no of ['C00020', 'C00012', 'C00015']) await setCity(no, 'Window');
    started.clock.now = T0 + 12_000;
    await setCity('C00011', 'Later');
    const since = new Date(T0 + 10_000).toISOString();
    expect(nos(await readMultiple(customers, 'Customer', [{ Field: 'Last_Modified_Date_Time', Criteria: `>=${since}` }]))).toEqual([
      'C00011',
      'C00012',
      'C00015',
      'C00020',
    ]);
    const range = `${since}..${new Date(T0 + 11_000).toISOString()}`;
    const firstPage = await readMultiple(customers, 'Customer', [{ Field: 'Last_Modified_Date_Time', Criteria: range }], 2);
    expect(nos(firstPage)).toEqual(['C00012', 'C00015']);
    const rest = await readMultiple(
      customers,
      'Customer',
      [{ Field: 'Last_Modified_Date_Time', Criteria: range }],
      2,
      firstPage[1]!.Key as string,
    );
    expect(nos(rest)).toEqual(['C00020']);
    // A zone offset is read as the instant it names; fractions of a second count.
    const offset = '2026-03-02T10:30:11.500+01:00';
    expect(nos(await readMultiple(customers, 'Customer', [{ Field: 'Last_Modified_Date_Time', Criteria: `>${offset}` }]))).toEqual([
      'C00011',
    ]);
    expect(
      nos(await readMultiple(customers, 'Customer', [{ Field: 'Last_Date_Modified', Criteria: '2026-03-02' }])).length,
    ).toBeGreaterThanOrEqual(5);
  });

  test('a sales order is stamped by its Update; Create stamps the new record', async () => {
    started.clock.now = T0 + 20_000;
    const [order] = await readMultiple(orders, 'SalesOrder', [], 1);
    const updated = (await call(orders, 'Update', { SalesOrder: { Key: order!.Key, External_Document_No: 'PO-STAMP' } }))!
      .SalesOrder as PageRecord;
    expect(updated.Last_Modified_Date_Time).toBe(new Date(T0 + 20_000).toISOString());
    const created = (await call(customers, 'Create', { Customer: { Name: 'New Customer' } }))!.Customer as PageRecord;
    expect(created.Last_Modified_Date_Time).toBe(new Date(T0 + 20_000).toISOString());
  });

  test('a value that is not a date-time is a Client fault saying how to write one; the stamp cannot be written', async () => {
    const fault = await faultOf(
      call(customers, 'ReadMultiple', { filter: [{ Field: 'Last_Modified_Date_Time', Criteria: '>=yesterday' }], setSize: 0 }),
    );
    expect(fault.faultcode).toBe('soap:Client');
    expect(fault.faultstring).toBe(
      'The filter ">=yesterday" is not valid for the Last_Modified_Date_Time field on the Customer page. The value "yesterday" can\'t be evaluated into type DateTime (use ISO 8601, e.g. 2026-11-30T07:00:00Z).',
    );
    const invalidTime = await faultOf(
      call(customers, 'ReadMultiple', { filter: [{ Field: 'Last_Modified_Date_Time', Criteria: '>=2026-02-30T25:00:00Z' }], setSize: 0 }),
    );
    expect(invalidTime.faultcode).toBe('soap:Client');

    started.clock.now = T0 + 30_000;
    const current = (await call(customers, 'Read', { No: 'C00030' }))!.Customer as PageRecord;
    const updated = (await call(customers, 'Update', {
      Customer: { Key: current.Key, Last_Modified_Date_Time: '2000-01-01T00:00:00Z', City: 'Ignored-Stamp' },
    }))!.Customer as PageRecord;
    // Read-only, as NAV ignores it: the write still stamps the clock.
    expect(updated.Last_Modified_Date_Time).toBe(new Date(T0 + 30_000).toISOString());
  });
});
