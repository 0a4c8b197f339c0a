/**
 * NAV page records -> schema types: one pure function per type, named for what it returns. No I/O, no clock.
 * The soap client is configured to hand every simple value over as its wire text (see client.ts), so decimals
 * keep their digits and reach `moneyFromDecimal` as strings; nothing here meets a float amount.
 */
import { BadUserInputError, UpstreamError, minorDigits, moneyFromDecimal, moneyFromMinor, type Money } from '../kit/index.js';
import type { OrderStatus, PostedInvoiceStatus } from './__generated__/resolvers.js';
import type { NavRecord } from './wire.js';

const VENDOR = 'erp';

export type CustomerModel = { __typename: 'Customer'; erpCustomerNumber: string | null };

export type OrderLineModel = {
  __typename: 'OrderLine';
  lineNumber: number;
  productNumber: string;
  description: string | null;
  quantity: number;
  unitPrice: Money | null;
  amount: Money | null;
};

export type OrderModel = {
  __typename: 'Order';
  number: string;
  version: string;
  externalDocumentNumber: string | null;
  status: OrderStatus;
  customerNumber: string;
  customerName: string | null;
  orderDate: string | null;
  requestedDeliveryDate: string | null;
  currency: string;
  lines: OrderLineModel[];
  totals: { net: Money | null; vat: Money | null; gross: Money | null };
};

export type PostedInvoiceModel = {
  __typename: 'PostedInvoice';
  number: string;
  status: PostedInvoiceStatus;
  customerNumber: string;
  orderNumber: string | null;
  postingDate: string | null;
  dueDate: string | null;
  currency: string;
  amount: Money | null;
  amountIncludingVat: Money | null;
  remainingAmount: Money | null;
};

export type ProductModel = {
  __typename: 'Product';
  number: string;
  description: string | null;
  unitOfMeasure: string | null;
  unitPrice: Money | null;
  blocked: boolean;
  inventory: { onHand: number; reserved: number; available: number };
};

/** Raised (as UPSTREAM_ERROR) when a record lacks what every record of its page has: the data is not NAV's. */
function malformed(what: string): UpstreamError {
  return new UpstreamError(VENDOR, `The ERP sent a record this API cannot read (${what}).`, { cause: what });
}

/** A simple field's text; '' for an empty or absent element. */
export function fieldText(record: NavRecord, field: string): string {
  const value = record[field];
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
}

const optional = (value: string): string | null => (value.trim() === '' ? null : value);

function required(record: NavRecord, field: string, page: string): string {
  const value = fieldText(record, field);
  if (value === '') throw malformed(`${page} without ${field}`);
  return value;
}

/** NAV's dates are ISO; its empty date (0D) travels as 0001-01-01 and means "none". */
export function toDate(value: string): string | null {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && value !== '0001-01-01' ? value : null;
}

function quantity(value: string, what: string): number {
  const number = value === '' ? 0 : Number(value);
  if (!Number.isFinite(number)) throw malformed(`${what} "${value}"`);
  return number;
}

/** Currency_Code '' is NAV's local currency (LCY). */
export const currencyOf = (code: string, localCurrency: string): string => (code.trim() === '' ? localCurrency : code.toUpperCase());

const STATUSES: Record<string, OrderStatus> = {
  Open: 'OPEN',
  Released: 'RELEASED',
  Pending_Approval: 'PENDING_APPROVAL',
  Pending_Prepayment: 'PENDING_PREPAYMENT',
};

/** NAV's Status option (as the WSDL spells it, spaces as underscores) -> OrderStatus. */
export function toOrderStatus(option: string): OrderStatus {
  const status = STATUSES[option];
  if (!status) throw malformed(`order status "${option}"`);
  return status;
}

export function toStatusOption(status: OrderStatus): string {
  return Object.entries(STATUSES).find(([, value]) => value === status)![0];
}

/**
 * An order's `version`: the record's NAV Key (which changes on every write) bound to the order number, so a
 * version read from one order cannot update another (NAV's Update picks the record by Key alone).
 */
export function toVersion(orderNumber: string, key: string): string {
  return Buffer.from(JSON.stringify(['v1', orderNumber, key])).toString('base64url');
}

/** The lines subpage of a SalesOrder record (`SalesLines.Sales_Order_Line`), absent on an order without lines. */
export function salesLines(order: NavRecord): NavRecord[] {
  const lines = order.SalesLines;
  if (typeof lines !== 'object' || lines === null) return [];
  const list = (lines as NavRecord).Sales_Order_Line;
  const elements = Array.isArray(list) ? list : list === undefined || list === null ? [] : [list];
  return elements.filter((line): line is NavRecord => typeof line === 'object' && line !== null);
}

export function toOrderLine(line: NavRecord, currency: string): OrderLineModel {
  const lineNumber = Number(fieldText(line, 'Line_No'));
  if (!Number.isInteger(lineNumber)) throw malformed('sales line without Line_No');
  return {
    __typename: 'OrderLine',
    lineNumber,
    productNumber: fieldText(line, 'No'),
    description: optional(fieldText(line, 'Description')),
    quantity: quantity(fieldText(line, 'Quantity'), 'line quantity'),
    unitPrice: moneyFromDecimal(fieldText(line, 'Unit_Price'), currency),
    amount: moneyFromDecimal(fieldText(line, 'Line_Amount'), currency),
  };
}

export function toOrder(order: NavRecord, localCurrency: string): OrderModel {
  const number = required(order, 'No', 'SalesOrder');
  const currency = currencyOf(fieldText(order, 'Currency_Code'), localCurrency);
  const net = moneyFromDecimal(fieldText(order, 'Amount'), currency);
  const gross = moneyFromDecimal(fieldText(order, 'Amount_Including_VAT'), currency);
  return {
    __typename: 'Order',
    number,
    version: toVersion(number, required(order, 'Key', 'SalesOrder')),
    externalDocumentNumber: optional(fieldText(order, 'External_Document_No')),
    status: toOrderStatus(fieldText(order, 'Status') || 'Open'),
    customerNumber: required(order, 'Sell_to_Customer_No', 'SalesOrder'),
    customerName: optional(fieldText(order, 'Sell_to_Customer_Name')),
    orderDate: toDate(fieldText(order, 'Order_Date')),
    requestedDeliveryDate: toDate(fieldText(order, 'Requested_Delivery_Date')),
    currency,
    lines: salesLines(order).map((line) => toOrderLine(line, currency)),
    totals: { net, vat: net && gross ? moneyFromMinor(gross.amount - net.amount, currency) : null, gross },
  };
}

export function toPostedInvoice(invoice: NavRecord, localCurrency: string): PostedInvoiceModel {
  const currency = currencyOf(fieldText(invoice, 'Currency_Code'), localCurrency);
  const remaining = moneyFromDecimal(fieldText(invoice, 'Remaining_Amount'), currency);
  const closed = fieldText(invoice, 'Closed');
  // Closed is NAV's own flag; without it, an invoice with nothing remaining is closed.
  const isClosed = closed === '' ? remaining?.amount === 0 : closed === 'true' || closed === '1';
  return {
    __typename: 'PostedInvoice',
    number: required(invoice, 'No', 'PostedSalesInvoice'),
    status: isClosed ? 'CLOSED' : 'OPEN',
    customerNumber: required(invoice, 'Sell_to_Customer_No', 'PostedSalesInvoice'),
    orderNumber: optional(fieldText(invoice, 'Order_No')),
    postingDate: toDate(fieldText(invoice, 'Posting_Date')),
    dueDate: toDate(fieldText(invoice, 'Due_Date')),
    currency,
    amount: moneyFromDecimal(fieldText(invoice, 'Amount'), currency),
    amountIncludingVat: moneyFromDecimal(fieldText(invoice, 'Amount_Including_VAT'), currency),
    remainingAmount: remaining,
  };
}

export function toProduct(item: NavRecord, localCurrency: string): ProductModel {
  const onHand = quantity(fieldText(item, 'Inventory'), 'item inventory');
  const reserved = quantity(fieldText(item, 'Reserved_Qty'), 'item reserved quantity');
  const available = fieldText(item, 'Available');
  const blocked = fieldText(item, 'Blocked');
  return {
    __typename: 'Product',
    number: required(item, 'No', 'Item'),
    description: optional(fieldText(item, 'Description')),
    unitOfMeasure: optional(fieldText(item, 'Base_Unit_of_Measure')),
    unitPrice: moneyFromDecimal(fieldText(item, 'Unit_Price'), localCurrency),
    blocked: blocked === 'true' || blocked === '1',
    // Pages without an Available field get it as NAV defines it: inventory minus reserved quantity.
    inventory: { onHand, reserved, available: available === '' ? onHand - reserved : quantity(available, 'item availability') },
  };
}

/** Newest first: NAV numbers orders and invoices in ascending series, so the highest number is the newest. */
export function newestFirst(left: { number: string }, right: { number: string }): number {
  return right.number.localeCompare(left.number, 'en', { numeric: true });
}

// ---- customer card (customer sync) ----

export type ErpAccountModel = {
  number: string;
  version: string;
  name: string | null;
  email: string | null;
  phone: string | null;
  address: string | null;
  city: string | null;
  countryCode: string | null;
  currency: string | null;
  creditLimit: string | null;
};

/** A Customer page record as the schema's ErpAccount; its version binds the record's Key to its number. */
export function toErpAccount(record: NavRecord): ErpAccountModel {
  const number = fieldText(record, 'No');
  const text = (field: string) => optional(fieldText(record, field));
  return {
    number,
    version: toVersion(number, fieldText(record, 'Key')),
    name: text('Name'),
    email: text('E_Mail'),
    phone: text('Phone_No'),
    address: text('Address'),
    city: text('City'),
    countryCode: text('Country_Region_Code'),
    currency: text('Currency_Code')?.toUpperCase() ?? null,
    creditLimit: text('Credit_Limit_LCY'),
  };
}
