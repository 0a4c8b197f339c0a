/**
 * Schema input -> NAV record elements: the checks and encodings (quantities, decimal amounts, codes, versions)
 * that make what the ERP receives exactly what the caller meant. Pure; problems are BAD_USER_INPUT naming the field.
 */
import { BadUserInputError, minorDigits } from '../kit/index.js';

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
export type OrderLineChange = {
  lineNumber: number;
  productNumber?: string | null;
  quantity?: number | null;
  unitPrice?: number | null;
  description?: string | null;
};

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
  if (line.unitPrice !== undefined && line.unitPrice !== null)
    element.Unit_Price = toDecimalText(line.unitPrice, currency, `${field}.unitPrice`);
  return element;
}

// ---- customer card (customer sync) ----

/** NAV's Customer field lengths (Text[100] name and address, Text[80] email, Text[30] phone and city, Code[10]). */
const CUSTOMER_FIELDS = [
  ['name', 'Name', 100],
  ['email', 'E_Mail', 80],
  ['phone', 'Phone_No', 30],
  ['address', 'Address', 100],
  ['city', 'City', 30],
  ['countryCode', 'Country_Region_Code', 10],
  ['currency', 'Currency_Code', 10],
] as const;

export type CustomerCardInput = Partial<Record<(typeof CUSTOMER_FIELDS)[number][0] | 'creditLimit', string | null>>;

/**
 * updateErpCustomer's fields as the Customer page's Update element after `Key`, in the WSDL's order (pure).
 * Fields not given are left out (NAV keeps them); "" clears a text field.
 */
export function toCustomerElement(input: CustomerCardInput): Record<string, string> {
  const element: Record<string, string> = {};
  for (const [from, to, max] of CUSTOMER_FIELDS) {
    const value = input[from];
    if (value === undefined || value === null) continue;
    const text = from === 'countryCode' || from === 'currency' ? value.trim().toUpperCase() : value;
    if (text.length > max)
      throw new BadUserInputError(`input.${from} is longer than ${max} characters (NAV's field length).`, `input.${from}`);
    element[to] = text;
  }
  if (input.creditLimit !== undefined && input.creditLimit !== null) {
    if (!/^\d{1,12}(\.\d{1,2})?$/.test(input.creditLimit.trim()))
      throw new BadUserInputError('input.creditLimit must be a decimal such as 5000 or 1250.50.', 'input.creditLimit');
    element.Credit_Limit_LCY = input.creditLimit.trim();
  }
  if (Object.keys(element).length === 0) throw new BadUserInputError('input names no field to change.', 'input');
  return element;
}
