import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import type { Client } from 'soap';
import type { PageRecord, SalesLineElement } from '../../../emulators/erp-soap/index.js';
import { call, faultOf, pageClient, startErp, T0, type Started } from './testkit.js';

let started: Started;
let orders: Client;
let items: Client;
let customers: Client;

beforeAll(async () => {
  vi.useFakeTimers({ toFake: ['Date'], now: T0 });
  started = await startErp();
  [orders, items, customers] = await Promise.all([
    pageClient(started.erp, 'SalesOrder'),
    pageClient(started.erp, 'Item'),
    pageClient(started.erp, 'Customer'),
  ]);
});
afterAll(async () => {
  await started.erp.close();
  vi.useRealTimers();
});

const STALE =
  'Another user has modified the record for this Sales Header after you retrieved it from the database. Refresh the record and try again.';

const customerForOrders = () => started.erp.snapshot('Customer').find((customer) => customer.Blocked === '_blank_')!;
const itemNo = (index: number) => started.erp.snapshot('Item').filter((item) => item.Blocked === 'false')[index]!;
const linesOf = (order: PageRecord): readonly SalesLineElement[] =>
  typeof order.SalesLines === 'object' ? order.SalesLines.Sales_Order_Line : [];

async function createOrder(externalNo: string): Promise<PageRecord> {
  const result = await call(orders, 'Create', {
    SalesOrder: {
      Sell_to_Customer_No: customerForOrders().No,
      External_Document_No: externalNo,
      Requested_Delivery_Date: '2026-03-20',
      SalesLines: {
        Sales_Order_Line: [
          { Type: 'Item', No: itemNo(0).No, Quantity: '3' },
          { No: itemNo(1).No, Quantity: '2.5', Unit_Price: '10.10' },
        ],
      },
    },
  });
  return result!.SalesOrder as PageRecord;
}

describe('Create', () => {
  test('a sales order gets a number, a Key, priced lines and a derived Amount; Read returns it whole', async () => {
    const customer = customerForOrders();
    const [first, second] = [itemNo(0), itemNo(1)];
    const lastNo = started.erp.snapshot('SalesOrder').at(-1)!.No as string;
    const reservedBefore = first.Reserved_Qty as string;

    const created = await createOrder('PO-INTERCHANGE-1');
    const firstAmount = Math.round((300 * Math.round(Number(first.Unit_Price) * 100)) / 100);
    const amount = firstAmount + 2525;
    expect(created).toEqual({
      Key: expect.any(String),
      No: `SO-${Number(lastNo.slice(3)) + 1}`,
      Sell_to_Customer_No: customer.No,
      Sell_to_Customer_Name: customer.Name,
      External_Document_No: 'PO-INTERCHANGE-1',
      Order_Date: '2026-03-02',
      Requested_Delivery_Date: '2026-03-20',
      Status: 'Open',
      Currency_Code: customer.Currency_Code,
      Amount: (amount / 100).toFixed(2),
      Amount_Including_VAT: ((amount + Math.round(amount * 0.19)) / 100).toFixed(2),
      // Stamped from the emulator's clock (T0) on the write.
      Last_Date_Modified: '2026-03-02',
      Last_Modified_Date_Time: '2026-03-02T09:30:00.000Z',
      SalesLines: {
        Sales_Order_Line: [
          {
            Key: expect.any(String),
            Line_No: '10000',
            Type: 'Item',
            No: first.No,
            Description: first.Description,
            Quantity: '3.00',
            Unit_Price: first.Unit_Price,
            Line_Amount: (firstAmount / 100).toFixed(2),
          },
          {
            Key: expect.any(String),
            Line_No: '20000',
            Type: 'Item',
            No: second.No,
            Description: second.Description,
            Quantity: '2.50',
            Unit_Price: '10.10',
            Line_Amount: '25.25',
          },
        ],
      },
    });
    expect(await call(orders, 'Read', { No: created.No })).toEqual({ SalesOrder: created });
    const item = (await call(items, 'Read', { No: first.No }))!.Item as PageRecord;
    expect(Number(item.Reserved_Qty) - Number(reservedBefore)).toBe(3);
  });

  test('an unknown customer or item is a Client fault and creates nothing', async () => {
    const before = started.erp.snapshot('SalesOrder');
    const noCustomer = await faultOf(call(orders, 'Create', { SalesOrder: { Sell_to_Customer_No: 'C99999' } }));
    expect([noCustomer.faultcode, noCustomer.faultstring]).toEqual([
      'soap:Client',
      "The Customer does not exist. Identification fields and values: No.='C99999'",
    ]);
    const noItem = await faultOf(
      call(orders, 'Create', {
        SalesOrder: { Sell_to_Customer_No: customerForOrders().No, SalesLines: { Sales_Order_Line: [{ No: 'NOPE', Quantity: '1' }] } },
      }),
    );
    expect([noItem.faultcode, noItem.faultstring]).toEqual([
      'soap:Client',
      "The Item does not exist. Identification fields and values: No.='NOPE'",
    ]);
    expect(started.erp.snapshot('SalesOrder')).toEqual(before);
  });

  test('CreateMultiple is all or nothing', async () => {
    const created = await call(items, 'CreateMultiple', {
      Item_List: { Item: [{ Description: 'Emulator Widget', Unit_Price: '1.99' }, { Description: 'Emulator Gadget' }] },
    });
    const list = (created!.Item_List as { Item: PageRecord[] }).Item;
    expect(list.map((item) => [item.No, item.Description, item.Unit_Price, item.Available])).toEqual([
      ['1100', 'Emulator Widget', '1.99', '0.00'],
      ['1101', 'Emulator Gadget', '0.00', '0.00'],
    ]);
    const before = started.erp.snapshot('Item');
    const fault = await faultOf(
      call(items, 'CreateMultiple', { Item_List: { Item: [{ Description: 'Fine' }, { Description: 'Too cheap', Unit_Price: '1.999' }] } }),
    );
    expect(fault.faultstring).toBe(
      'The value "1.999" of Item.Unit_Price can\'t be evaluated into type Decimal (at most two decimal places).',
    );
    expect(started.erp.snapshot('Item')).toEqual(before);
  });
});

describe('Update', () => {
  test('with the current Key it applies and changes the Key; the old Key is then stale', async () => {
    const order = await createOrder('PO-UPDATE');
    const updated = (await call(orders, 'Update', {
      SalesOrder: { Key: order.Key, External_Document_No: 'PO-UPDATE-2', Status: 'Released' },
    }))!.SalesOrder as PageRecord;
    expect(updated).toEqual({
      ...order,
      Key: expect.any(String),
      External_Document_No: 'PO-UPDATE-2',
      Status: 'Released',
      SalesLines: expect.any(Object),
    });
    expect(updated.Key).not.toBe(order.Key);

    const stale = await faultOf(call(orders, 'Update', { SalesOrder: { Key: order.Key, External_Document_No: 'PO-LOST' } }));
    expect([stale.status, stale.faultcode, stale.faultstring]).toEqual([500, 'soap:Client', STALE]);
    expect(await call(orders, 'Read', { No: order.No })).toEqual({ SalesOrder: updated });
  });

  test('two concurrent updates with one Key: one wins, the other faults, the data is the winner only', async () => {
    const order = await createOrder('PO-RACE');
    const results = await Promise.allSettled([
      call(orders, 'Update', { SalesOrder: { Key: order.Key, External_Document_No: 'PO-ALICE' } }),
      call(orders, 'Update', { SalesOrder: { Key: order.Key, External_Document_No: 'PO-BOB' } }),
    ]);
    const won = results.filter((result) => result.status === 'fulfilled');
    const lost = results.filter((result) => result.status === 'rejected');
    expect([won.length, lost.length]).toEqual([1, 1]);
    const winner = (won[0]!.value!.SalesOrder as PageRecord).External_Document_No;
    expect(['PO-ALICE', 'PO-BOB']).toContain(winner);
    expect((await faultOf(Promise.reject(lost[0]!.reason))).faultstring).toBe(STALE);
    const stored = started.erp.snapshot('SalesOrder').find((record) => record.No === order.No)!;
    expect(stored.External_Document_No).toBe(winner);
  });

  test('a line changed by its Key and a line added without one re-derive the Amount', async () => {
    const order = await createOrder('PO-LINES');
    const [firstLine] = linesOf(order);
    const updated = (await call(orders, 'Update', {
      SalesOrder: {
        Key: order.Key,
        SalesLines: {
          Sales_Order_Line: [
            { Key: firstLine!.Key, Quantity: '1', Unit_Price: '100' },
            { No: itemNo(2).No, Quantity: '1', Unit_Price: '0.50' },
          ],
        },
      },
    }))!.SalesOrder as PageRecord;
    expect(linesOf(updated).map((line) => [line.Line_No, line.Quantity, line.Line_Amount])).toEqual([
      ['10000', '1.00', '100.00'],
      ['20000', '2.50', '25.25'],
      ['30000', '1.00', '0.50'],
    ]);
    expect([updated.Amount, updated.Amount_Including_VAT]).toEqual(['125.75', '149.64']);
  });

  test('a customer update ignores read-only fields sent back with the record', async () => {
    const customer = started.erp.snapshot('Customer')[20]!;
    const updated = (await call(customers, 'Update', { Customer: { ...customer, Balance_LCY: '999999.00', City: 'Lisbon' } }))!
      .Customer as PageRecord;
    expect(updated).toEqual({
      ...customer,
      Key: expect.any(String),
      City: 'Lisbon',
      // The write moves the change-tracking fields to the emulator's clock (T0).
      Last_Date_Modified: '2026-03-02',
      Last_Modified_Date_Time: '2026-03-02T09:30:00.000Z',
    });
  });
});

describe('UpdateMultiple', () => {
  const CUSTOMER_STALE =
    'Another user has modified the record for this Customer after you retrieved it from the database. Refresh the record and try again.';

  test('updates every record of the list by its Key and answers them in the order sent, with new Keys', async () => {
    const [first, second] = started.erp.snapshot('Customer').slice(30, 32) as [PageRecord, PageRecord];
    const result = await call(customers, 'UpdateMultiple', {
      Customer_List: {
        Customer: [
          { Key: second.Key, Phone_No: '+4930111111' },
          { Key: first.Key, City: 'Porto', Credit_Limit_LCY: '1250.50' },
        ],
      },
    });
    const list = (result!.Customer_List as { Customer: PageRecord[] }).Customer;
    expect(list.map((record) => [record.No, record.Phone_No, record.City, record.Credit_Limit_LCY])).toEqual([
      [second.No, '+4930111111', second.City, second.Credit_Limit_LCY],
      [first.No, first.Phone_No, 'Porto', '1250.50'],
    ]);
    expect(list.map((record) => record.Key)).not.toContain(first.Key);
    expect(started.erp.snapshot('Customer').slice(30, 32)).toEqual([list[1], list[0]]);
  });

  test('one stale Key faults the whole call with the concurrency error, and no record changes', async () => {
    const [fresh, stale] = started.erp.snapshot('Customer').slice(40, 42) as [PageRecord, PageRecord];
    await call(customers, 'Update', { Customer: { Key: stale.Key, City: 'Changed Meanwhile' } });
    const before = started.erp.snapshot('Customer');
    const fault = await faultOf(
      call(customers, 'UpdateMultiple', {
        Customer_List: {
          Customer: [
            { Key: fresh.Key, City: 'Never Written' },
            { Key: stale.Key, City: 'Never Written Either' },
          ],
        },
      }),
    );
    expect([fault.status, fault.faultcode, fault.faultstring]).toEqual([500, 'soap:Client', CUSTOMER_STALE]);
    expect(started.erp.snapshot('Customer')).toEqual(before);
  });

  test('the same record twice in one call: the second element carries a Key the first made stale', async () => {
    const record = started.erp.snapshot('Customer')[50]!;
    const before = started.erp.snapshot('Customer');
    const fault = await faultOf(
      call(customers, 'UpdateMultiple', {
        Customer_List: {
          Customer: [
            { Key: record.Key, City: 'Once' },
            { Key: record.Key, City: 'Twice' },
          ],
        },
      }),
    );
    expect(fault.faultstring).toBe(CUSTOMER_STALE);
    expect(started.erp.snapshot('Customer')).toEqual(before);
  });
});

describe('Delete', () => {
  test('by the current Key returns true and the record is gone; a stale Key faults', async () => {
    const order = await createOrder('PO-DELETE');
    const updated = (await call(orders, 'Update', { SalesOrder: { Key: order.Key, Status: 'Pending_Approval' } }))!
      .SalesOrder as PageRecord;
    const stale = await faultOf(call(orders, 'Delete', { Key: order.Key }));
    expect(stale.faultstring).toBe(STALE);
    expect(await call(orders, 'Delete', { Key: updated.Key })).toEqual({ Delete_Result: 'true' });
    expect(await call(orders, 'Read', { No: order.No })).toBeNull();
    const gone = await faultOf(call(orders, 'Delete', { Key: updated.Key }));
    expect(gone.faultstring).toBe(`The Sales Header does not exist. Identification fields and values: No.='${order.No as string}'`);
  });

  test('a customer with orders cannot be deleted', async () => {
    const customer = customerForOrders();
    const fault = await faultOf(call(customers, 'Delete', { Key: customer.Key }));
    expect(fault.faultstring).toBe(
      `You cannot delete Customer ${customer.No as string} because there is at least one outstanding Sales Order for this customer.`,
    );
  });
});
