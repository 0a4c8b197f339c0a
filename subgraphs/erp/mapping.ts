/**
 * NAV page records -> schema types, and schema input -> NAV filters and record elements. Pure: no I/O, no clock.
 * The soap client is configured to hand every simple value over as its wire text (see client.ts), so decimals
 * keep their digits and reach `moneyFromDecimal` as strings; nothing here meets a float amount.
 */
import { BadUserInputError, UpstreamError, minorDigits, moneyFromDecimal, moneyFromMinor, type Money } from '../kit/index.js';
import type { OrderStatus, PostedInvoiceStatus } from './__generated__/resolvers.js';

const VENDOR = 'erp';

/** A page record as the soap client returns it: field -> text, nested elements as objects or arrays. */
export type NavRecord = { readonly [field: string]: unknown };

/** One ReadMultiple filter: `Criteria` in NAV's filter syntax for one field; several filters AND. */
export type NavFilter = { Field: string; Criteria: string };

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

/** The NAV Key a version carries; BAD_USER_INPUT when it is not a version of this order. */
export function keyFromVersion(version: string, orderNumber: string, field = 'input.version'): string {
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(version, 'base64url').toString('utf8'));
  } catch {
    parts = undefined;
  }
  if (Array.isArray(parts) && parts.length === 3 && parts[0] === 'v1' && typeof parts[2] === 'string' && parts[2] !== '') {
    if (parts[1] === orderNumber) return parts[2];
    throw new BadUserInputError(`${field} belongs to order ${String(parts[1])}, not ${orderNumber}.`, field);
  }
  throw new BadUserInputError(`${field} is not a version this API gave out; read the order and pass its \`version\`.`, field);
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

// --- Filters -----------------------------------------------------------------------------------------------

/** Characters with a meaning in NAV's filter syntax (OR, AND, ranges, comparisons, wildcards, case, grouping, quotes). */
const FILTER_SYNTAX = /[|&.<>=*?@()'\s]/;

/**
 * One value as a literal in NAV filter criteria: as it is when it holds nothing NAV would read as syntax, else
 * in single quotes with inner quotes doubled (`O'Brien & Co` -> `'O''Brien & Co'`). '' is NAV's "empty".
 */
export function navLiteral(value: string): string {
  if (value !== '' && !FILTER_SYNTAX.test(value)) return value;
  return `'${value.replace(/'/g, "''")}'`;
}

/** Criteria matching any of the values exactly: `C00001|C00002|'A|B'`. */
export function anyOf(values: readonly string[]): string {
  if (values.length === 0) throw new Error('anyOf needs at least one value: an empty criteria would match everything');
  return values.map(navLiteral).join('|');
}

export function orderFilters(customerNumbers: readonly string[], statuses: readonly OrderStatus[] | null | undefined): NavFilter[] {
  const filters: NavFilter[] = [{ Field: 'Sell_to_Customer_No', Criteria: anyOf(customerNumbers) }];
  if (statuses && statuses.length > 0) filters.push({ Field: 'Status', Criteria: anyOf(statuses.map(toStatusOption)) });
  return filters;
}

export function invoiceFilters(customerNumbers: readonly string[], status: PostedInvoiceStatus | null | undefined): NavFilter[] {
  const filters: NavFilter[] = [{ Field: 'Sell_to_Customer_No', Criteria: anyOf(customerNumbers) }];
  if (status) filters.push({ Field: 'Closed', Criteria: status === 'CLOSED' ? 'true' : 'false' });
  return filters;
}

// --- Input -------------------------------------------------------------------------------------------------

/** A quantity as NAV's decimal text; BAD_USER_INPUT unless positive with at most two decimal places. */
export function toQuantityText(value: number, field: string): string {
  const text = String(value);
  if (!(value > 0) || !/^\d{1,13}(\.\d{1,2})?$/.test(text)) {
    throw new BadUserInputError(`${field} must be more than zero with at most two decimal places; got ${text}.`, field);
  }
  return text;
}

/** An amount in minor units as NAV's decimal text: 1250 with EUR is "12.50", with JPY "1250". */
export function toDecimalText(minor: number, currency: string, field: string): string {
  if (!Number.isSafeInteger(minor) || minor < 0) throw new BadUserInputError(`${field} must be zero or more minor units.`, field);
  const digits = minorDigits(currency);
  if (digits === 0) return String(minor);
  const whole = Math.floor(minor / 10 ** digits);
  return `${whole}.${String(minor % 10 ** digits).padStart(digits, '0')}`;
}

export type OrderLineInput = { productNumber: string; quantity: number; unitPrice?: number | null; description?: string | null };
export type OrderLineChange = { lineNumber: number; productNumber?: string | null; quantity?: number | null; unitPrice?: number | null; description?: string | null };

/** NAV Code fields hold upper case and compare so; sending it that way makes lookups and replays agree. */
export const toCode = (value: string): string => value.trim().toUpperCase();

export function toLineElement(line: OrderLineInput | OrderLineChange, currency: string, field: string): Record<string, string> {
  const element: Record<string, string> = {};
  if (line.productNumber !== undefined && line.productNumber !== null) {
    element.Type = 'Item';
    element.No = toCode(line.productNumber);
  }
  if (line.description !== undefined && line.description !== null) element.Description = line.description;
  if (line.quantity !== undefined && line.quantity !== null) element.Quantity = toQuantityText(line.quantity, `${field}.quantity`);
  if (line.unitPrice !== undefined && line.unitPrice !== null) element.Unit_Price = toDecimalText(line.unitPrice, currency, `${field}.unitPrice`);
  return element;
}
