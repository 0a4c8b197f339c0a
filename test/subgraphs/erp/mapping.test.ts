import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../platform/index.js';
import {
  newestFirst,
  toDate,
  toOrder,
  toOrderStatus,
  toPostedInvoice,
  toProduct,
  toStatusOption,
  toVersion,
} from '../../../subgraphs/erp/mapping.js';

// Shaped as the soap client returns page records with every simple value kept as its wire text.
const order = {
  Key: 'WyJTYWxlc09yZGVyIiwiU08tMTAwNDIiLDNd',
  No: 'SO-10042',
  Sell_to_Customer_No: 'C00042',
  Sell_to_Customer_Name: 'Ada Moreau',
  External_Document_No: 'PO-77',
  Order_Date: '2026-03-02',
  Requested_Delivery_Date: '0001-01-01',
  Status: 'Pending_Approval',
  Currency_Code: '',
  Amount: '125.75',
  Amount_Including_VAT: '149.64',
  SalesLines: {
    Sales_Order_Line: [
      {
        Key: 'l1',
        Line_No: '10000',
        Type: 'Item',
        No: '1003',
        Description: 'ROME Desk',
        Quantity: '1.00',
        Unit_Price: '100.00',
        Line_Amount: '100.00',
      },
      {
        Key: 'l2',
        Line_No: '20000',
        Type: 'Item',
        No: '1011',
        Description: '',
        Quantity: '2.50',
        Unit_Price: '10.10',
        Line_Amount: '25.25',
      },
    ],
  },
};

const money = (amount: number, currency = 'EUR') => expect.objectContaining({ amount, currency });

describe('ERP mapping', () => {
  it('maps a SalesOrder with its lines; amounts from the decimal text, LCY as the local currency, 0D as null', () => {
    expect(toOrder(order, 'EUR')).toEqual({
      __typename: 'Order',
      number: 'SO-10042',
      version: toVersion('SO-10042', order.Key),
      externalDocumentNumber: 'PO-77',
      status: 'PENDING_APPROVAL',
      customerNumber: 'C00042',
      customerName: 'Ada Moreau',
      orderDate: '2026-03-02',
      requestedDeliveryDate: null,
      currency: 'EUR',
      lines: [
        {
          __typename: 'OrderLine',
          lineNumber: 10000,
          productNumber: '1003',
          description: 'ROME Desk',
          quantity: 1,
          unitPrice: money(10000),
          amount: money(10000),
        },
        {
          __typename: 'OrderLine',
          lineNumber: 20000,
          productNumber: '1011',
          description: null,
          quantity: 2.5,
          unitPrice: money(1010),
          amount: money(2525),
        },
      ],
      totals: { net: money(12575), vat: money(2389), gross: money(14964) },
    });
  });

  it('maps an order without lines (NAV omits SalesLines) and with its own currency', () => {
    const { SalesLines: _lines, ...bare } = order;
    const mapped = toOrder({ ...bare, Currency_Code: 'USD', Amount: '0.00', Amount_Including_VAT: '0.00' }, 'EUR');
    expect(mapped.lines).toEqual([]);
    expect(mapped.totals).toEqual({ net: money(0, 'USD'), vat: money(0, 'USD'), gross: money(0, 'USD') });
  });

  it('reads a record without a number or Key as a malformed answer, not a crash later', () => {
    expect(() => toOrder({ ...order, Key: '' }, 'EUR')).toThrow(
      expect.objectContaining({ extensions: expect.objectContaining({ code: ErrorCode.UPSTREAM_ERROR }) }),
    );
    expect(() => toOrder({ ...order, Status: 'Shipped' }, 'EUR')).toThrow(/order status "Shipped"/);
  });

  it('translates statuses both ways', () => {
    for (const option of ['Open', 'Released', 'Pending_Approval', 'Pending_Prepayment'])
      expect(toStatusOption(toOrderStatus(option))).toBe(option);
  });

  it('maps posted invoices: Closed decides the status, and without Closed nothing remaining does', () => {
    const invoice = {
      Key: 'k',
      No: 'PSI-20001',
      Sell_to_Customer_No: 'C00001',
      Order_No: '',
      Posting_Date: '2025-07-13',
      Due_Date: '2025-08-12',
      Currency_Code: 'GBP',
      Amount: '18542.80',
      Amount_Including_VAT: '22065.93',
      Remaining_Amount: '0.00',
      Closed: 'true',
    };
    expect(toPostedInvoice(invoice, 'EUR')).toEqual({
      __typename: 'PostedInvoice',
      number: 'PSI-20001',
      status: 'CLOSED',
      customerNumber: 'C00001',
      orderNumber: null,
      postingDate: '2025-07-13',
      dueDate: '2025-08-12',
      currency: 'GBP',
      amount: money(1854280, 'GBP'),
      amountIncludingVat: money(2206593, 'GBP'),
      remainingAmount: money(0, 'GBP'),
    });
    expect(toPostedInvoice({ ...invoice, Closed: 'false', Remaining_Amount: '10.00' }, 'EUR').status).toBe('OPEN');
    expect(toPostedInvoice({ ...invoice, Closed: undefined }, 'EUR').status).toBe('CLOSED');
  });

  it('maps an item with its inventory; Available defaults to inventory minus reserved', () => {
    const item = {
      Key: 'k',
      No: '1000',
      Description: 'ATHENS Desk',
      Base_Unit_of_Measure: 'PCS',
      Unit_Price: '270.99',
      Inventory: '18.00',
      Reserved_Qty: '20.50',
      Available: '-2.50',
      Blocked: 'false',
    };
    expect(toProduct(item, 'EUR')).toEqual({
      __typename: 'Product',
      number: '1000',
      description: 'ATHENS Desk',
      unitOfMeasure: 'PCS',
      unitPrice: money(27099),
      blocked: false,
      inventory: { onHand: 18, reserved: 20.5, available: -2.5 },
    });
    expect(toProduct({ ...item, Available: undefined, Blocked: 'true' }, 'EUR')).toMatchObject({
      blocked: true,
      inventory: { available: -2.5 },
    });
  });

  it('sorts newest first by the number series, numerically', () => {
    const sorted = [{ number: 'SO-9999' }, { number: 'SO-10001' }, { number: 'SO-10000' }].sort(newestFirst);
    expect(sorted.map((entry) => entry.number)).toEqual(['SO-10001', 'SO-10000', 'SO-9999']);
  });

  it("keeps dates only when they are ISO dates and not NAV's empty date", () => {
    expect([toDate('2026-01-31'), toDate('0001-01-01'), toDate(''), toDate('31.01.2026')]).toEqual(['2026-01-31', null, null, null]);
  });
});
