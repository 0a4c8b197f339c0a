import { clientFault } from '../faults.js';
import { asList, asText, isSoapObject, readRecordInput, type SoapValue } from '../input.js';
import { decodeLineKey, encodeLineKey } from '../keys.js';
import type { PageAdapter } from '../page-service.js';
import { SALES_ORDER_LINE_FIELDS, SALES_ORDER_SCHEMA } from '../page-schemas.js';
import { VAT_PERCENT } from '../seed.js';
import type { ErpStore, SalesLineRecord, SalesOrderRecord } from '../store.js';
import { formatDecimal, isoDate, multiplyHundredths, percentOf } from '../values.js';
import { amount, checkCurrency, nextNumber, text } from './common.js';

const lineAmount = (line: SalesLineRecord): number => multiplyHundredths(line.Quantity, line.Unit_Price);

/** Sum of Line_Amount: NAV's Amount on a sales header is a FlowField over its lines. */
export const orderAmount = (order: SalesOrderRecord): number => order.lines.reduce((sum, line) => sum + lineAmount(line), 0);

export function salesOrderPage(store: ErpStore, clock: () => number): PageAdapter<SalesOrderRecord> {
  const fields = SALES_ORDER_SCHEMA.fields;

  const orderableItem = (no: string) => {
    const item = store.items.get(no);
    if (!item) throw clientFault(`The Item does not exist. Identification fields and values: No.='${no}'`);
    if (item.Blocked) {
      throw clientFault(`Blocked must be equal to 'No' in Item: No.=${no}. Current value is 'Yes'.`);
    }
    return item;
  };

  const checkQuantity = (line: SalesLineRecord) => {
    if (line.Quantity <= 0) {
      throw clientFault(
        `Quantity must be positive in Sales Line: Line No.=${line.Line_No}. Current value is '${formatDecimal(line.Quantity)}'.`,
      );
    }
  };

  /** A line from its element, new (no Key) or changing `previous`; an item change re-prices unless a price is sent. */
  const readLine = (element: SoapValue, lineNo: number, previous?: SalesLineRecord): SalesLineRecord => {
    const input = readRecordInput('Sales_Order_Line', SALES_ORDER_LINE_FIELDS, element, previous ? 'update' : 'create', ['Key']);
    const itemNo = text(input, 'No', previous?.No ?? '');
    if (itemNo === '') throw clientFault(`No must have a value in Sales Line: Line No.=${lineNo}.`);
    const item = orderableItem(itemNo);
    const sameItem = previous?.No === item.No;
    const line: SalesLineRecord = {
      Line_No: lineNo,
      Type: 'Item',
      No: item.No,
      Description: text(input, 'Description', sameItem && previous ? previous.Description : item.Description),
      Quantity: amount(input, 'Quantity', previous?.Quantity ?? 0),
      Unit_Price: amount(input, 'Unit_Price', sameItem && previous ? previous.Unit_Price : item.Unit_Price),
    };
    checkQuantity(line);
    return line;
  };

  const lineElements = (element: SoapValue): SoapValue[] => {
    if (!isSoapObject(element)) return [];
    const lines = element.SalesLines;
    return isSoapObject(lines) ? asList(lines.Sales_Order_Line) : [];
  };

  return {
    schema: SALES_ORDER_SCHEMA,
    table: store.orders,
    row: (order) => {
      const net = orderAmount(order);
      return {
        No: order.No,
        Sell_to_Customer_No: order.Sell_to_Customer_No,
        Sell_to_Customer_Name: store.customers.get(order.Sell_to_Customer_No)?.Name ?? '',
        External_Document_No: order.External_Document_No,
        Order_Date: order.Order_Date,
        Requested_Delivery_Date: order.Requested_Delivery_Date,
        Status: order.Status,
        Currency_Code: order.Currency_Code,
        Amount: net,
        Amount_Including_VAT: net + percentOf(net, VAT_PERCENT),
      };
    },
    extra: (order) =>
      order.lines.length === 0
        ? {}
        : {
            SalesLines: {
              Sales_Order_Line: order.lines.map((line) => ({
                Key: encodeLineKey(order.No, line.Line_No, order.version),
                Line_No: String(line.Line_No),
                Type: line.Type,
                No: line.No,
                Description: line.Description,
                Quantity: formatDecimal(line.Quantity),
                Unit_Price: formatDecimal(line.Unit_Price),
                Line_Amount: formatDecimal(lineAmount(line)),
              })),
            },
          },
    create(element, taken) {
      const input = readRecordInput('SalesOrder', fields, element, 'create', ['Key', 'SalesLines']);
      const customerNo = text(input, 'Sell_to_Customer_No', '');
      if (customerNo === '') throw clientFault('Sell_to_Customer_No must have a value in Sales Header: Document Type=Order.');
      const customer = store.customers.get(customerNo);
      if (!customer) throw clientFault(`The Customer does not exist. Identification fields and values: No.='${customerNo}'`);
      if (customer.Blocked === 'All') {
        throw clientFault(`You cannot create this type of document when Customer ${customerNo} is blocked with type All`);
      }
      const order: SalesOrderRecord = {
        No: nextNumber('SO-', 5, store.orders.keys(), taken),
        version: 1,
        Sell_to_Customer_No: customer.No,
        External_Document_No: text(input, 'External_Document_No', ''),
        // NAV defaults the order date to the work date: here, the emulator's clock.
        Order_Date: text(input, 'Order_Date', '') || isoDate(clock()),
        Requested_Delivery_Date: text(input, 'Requested_Delivery_Date', ''),
        Status: text(input, 'Status', 'Open'),
        Currency_Code: text(input, 'Currency_Code', customer.Currency_Code),
        lines: lineElements(element).map((line, index) => readLine(line, (index + 1) * 10_000)),
      };
      checkCurrency(order.Currency_Code);
      return order;
    },
    update(current, element) {
      const input = readRecordInput('SalesOrder', fields, element, 'update', ['Key', 'SalesLines']);
      const lines = [...current.lines];
      let nextLineNo = lines.reduce((highest, line) => Math.max(highest, line.Line_No), 0) + 10_000;
      // NAV's page update merges lines: a line with a Key changes that line, one without is inserted.
      for (const lineElement of lineElements(element)) {
        const key = isSoapObject(lineElement) ? asText(lineElement.Key) : '';
        if (key === '') {
          lines.push(readLine(lineElement, nextLineNo));
          nextLineNo += 10_000;
          continue;
        }
        const { orderNo, lineNo } = decodeLineKey(key);
        const index = lines.findIndex((line) => line.Line_No === lineNo);
        if (orderNo !== current.No || index < 0) {
          throw clientFault(
            `The Sales Line does not exist. Identification fields and values: Document Type='Order',Document No.='${orderNo}',Line No.='${lineNo}'`,
          );
        }
        lines[index] = readLine(lineElement, lineNo, lines[index]);
      }
      const updated: SalesOrderRecord = {
        ...current,
        External_Document_No: text(input, 'External_Document_No', current.External_Document_No),
        Order_Date: text(input, 'Order_Date', current.Order_Date),
        Requested_Delivery_Date: text(input, 'Requested_Delivery_Date', current.Requested_Delivery_Date),
        Status: text(input, 'Status', current.Status),
        Currency_Code: text(input, 'Currency_Code', current.Currency_Code),
        lines,
      };
      checkCurrency(updated.Currency_Code);
      return updated;
    },
  };
}
