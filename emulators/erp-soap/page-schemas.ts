/**
 * The shape of every page as its WSDL declares it: field names, XSD types, NAV lengths, option values and which
 * operations the page offers. The checked-in WSDL files in `wsdl/` were written from these lists and a test
 * keeps the two in step, so a field added here without the WSDL (or the reverse) fails the build.
 */

export type PageName = 'Customer' | 'SalesOrder' | 'PostedSalesInvoice' | 'Item';
export const PAGE_NAMES: readonly PageName[] = ['Customer', 'SalesOrder', 'PostedSalesInvoice', 'Item'];

export type OperationName = 'Read' | 'ReadMultiple' | 'Create' | 'CreateMultiple' | 'Update' | 'UpdateMultiple' | 'Delete';
const ALL_OPERATIONS: readonly OperationName[] = ['Read', 'ReadMultiple', 'Create', 'CreateMultiple', 'Update', 'UpdateMultiple', 'Delete'];

/**
 * `code` is NAV's Code type (upper-cased, compared as stored), `text` free text; `decimal` values are kept as
 * integer hundredths so money never meets floating point; `option` is NAV's enum, `_blank_` standing for " ";
 * `datetime` is NAV's DateTime, kept as ms since the epoch (UTC) and served as xsd:dateTime.
 */
export type FieldKind = 'code' | 'text' | 'decimal' | 'integer' | 'date' | 'datetime' | 'boolean' | 'option';

/** `create`: settable on Create only; `never`: computed or assigned by the server (FlowFields, No, totals). */
export type Editable = 'always' | 'create' | 'never';

export type FieldSpec = {
  name: string;
  kind: FieldKind;
  /** NAV's declared length for code and text fields; longer input is refused as NAV does. */
  length?: number;
  options?: readonly string[];
  editable: Editable;
};

export type PageSchema = {
  page: PageName;
  /** The record type NAV names in its messages ("... for this Sales Header ..."). */
  table: string;
  namespace: string;
  operations: readonly OperationName[];
  fields: readonly FieldSpec[];
};

/**
 * The change-tracking fields NAV pages expose: the date (Last_Date_Modified, as on the Customer card) and the
 * date-time (Last_Modified_Date_Time) of the record's last write. The page service stamps them on every Create
 * and Update; nothing else writes them. Polling ReadMultiple with a filter on them is how changes are found:
 * NAV has no webhooks.
 */
export const LAST_MODIFIED_FIELDS: readonly FieldSpec[] = [
  { name: 'Last_Date_Modified', kind: 'date', editable: 'never' },
  { name: 'Last_Modified_Date_Time', kind: 'datetime', editable: 'never' },
];

export const SALES_ORDER_STATUSES = ['Open', 'Released', 'Pending_Approval', 'Pending_Prepayment'] as const;
export const CUSTOMER_BLOCKED = ['_blank_', 'Ship', 'Invoice', 'All'] as const;
export const CURRENCIES = ['EUR', 'USD', 'GBP'] as const;

const namespaceOf = (page: PageName): string => `urn:microsoft-dynamics-schemas/page/${page.toLowerCase()}`;

export const CUSTOMER_SCHEMA: PageSchema = {
  page: 'Customer',
  table: 'Customer',
  namespace: namespaceOf('Customer'),
  operations: ALL_OPERATIONS,
  fields: [
    { name: 'No', kind: 'code', length: 20, editable: 'create' },
    { name: 'Name', kind: 'text', length: 100, editable: 'always' },
    { name: 'E_Mail', kind: 'text', length: 80, editable: 'always' },
    { name: 'Phone_No', kind: 'text', length: 30, editable: 'always' },
    { name: 'Address', kind: 'text', length: 100, editable: 'always' },
    { name: 'City', kind: 'text', length: 30, editable: 'always' },
    { name: 'Country_Region_Code', kind: 'code', length: 10, editable: 'always' },
    { name: 'Currency_Code', kind: 'code', length: 10, editable: 'always' },
    { name: 'Credit_Limit_LCY', kind: 'decimal', editable: 'always' },
    { name: 'Balance_LCY', kind: 'decimal', editable: 'never' },
    { name: 'Blocked', kind: 'option', options: CUSTOMER_BLOCKED, editable: 'always' },
    ...LAST_MODIFIED_FIELDS,
  ],
};

export const SALES_ORDER_SCHEMA: PageSchema = {
  page: 'SalesOrder',
  table: 'Sales Header',
  namespace: namespaceOf('SalesOrder'),
  operations: ALL_OPERATIONS,
  fields: [
    { name: 'No', kind: 'code', length: 20, editable: 'never' },
    { name: 'Sell_to_Customer_No', kind: 'code', length: 20, editable: 'create' },
    { name: 'Sell_to_Customer_Name', kind: 'text', length: 100, editable: 'never' },
    { name: 'External_Document_No', kind: 'code', length: 35, editable: 'always' },
    { name: 'Order_Date', kind: 'date', editable: 'always' },
    { name: 'Requested_Delivery_Date', kind: 'date', editable: 'always' },
    { name: 'Status', kind: 'option', options: SALES_ORDER_STATUSES, editable: 'always' },
    { name: 'Currency_Code', kind: 'code', length: 10, editable: 'always' },
    { name: 'Amount', kind: 'decimal', editable: 'never' },
    { name: 'Amount_Including_VAT', kind: 'decimal', editable: 'never' },
    ...LAST_MODIFIED_FIELDS,
  ],
};

/** The lines subpage of SalesOrder; not a page of its own, so it has no operations and no filter enum. */
export const SALES_ORDER_LINE_FIELDS: readonly FieldSpec[] = [
  { name: 'Line_No', kind: 'integer', editable: 'never' },
  { name: 'Type', kind: 'option', options: ['Item'], editable: 'create' },
  { name: 'No', kind: 'code', length: 20, editable: 'always' },
  { name: 'Description', kind: 'text', length: 100, editable: 'always' },
  { name: 'Quantity', kind: 'decimal', editable: 'always' },
  { name: 'Unit_Price', kind: 'decimal', editable: 'always' },
  { name: 'Line_Amount', kind: 'decimal', editable: 'never' },
];

export const POSTED_SALES_INVOICE_SCHEMA: PageSchema = {
  page: 'PostedSalesInvoice',
  table: 'Sales Invoice Header',
  namespace: namespaceOf('PostedSalesInvoice'),
  // Posted documents are read-only in NAV: the page publishes no write operations.
  operations: ['Read', 'ReadMultiple'],
  fields: [
    { name: 'No', kind: 'code', length: 20, editable: 'never' },
    { name: 'Sell_to_Customer_No', kind: 'code', length: 20, editable: 'never' },
    { name: 'Order_No', kind: 'code', length: 20, editable: 'never' },
    { name: 'Posting_Date', kind: 'date', editable: 'never' },
    { name: 'Due_Date', kind: 'date', editable: 'never' },
    { name: 'Currency_Code', kind: 'code', length: 10, editable: 'never' },
    { name: 'Amount', kind: 'decimal', editable: 'never' },
    { name: 'Amount_Including_VAT', kind: 'decimal', editable: 'never' },
    { name: 'Remaining_Amount', kind: 'decimal', editable: 'never' },
    { name: 'Closed', kind: 'boolean', editable: 'never' },
  ],
};

export const ITEM_SCHEMA: PageSchema = {
  page: 'Item',
  table: 'Item',
  namespace: namespaceOf('Item'),
  operations: ALL_OPERATIONS,
  fields: [
    { name: 'No', kind: 'code', length: 20, editable: 'create' },
    { name: 'Description', kind: 'text', length: 100, editable: 'always' },
    { name: 'Base_Unit_of_Measure', kind: 'code', length: 10, editable: 'always' },
    { name: 'Unit_Price', kind: 'decimal', editable: 'always' },
    // Inventory is a FlowField over item ledger entries in NAV, so the page cannot write it.
    { name: 'Inventory', kind: 'decimal', editable: 'never' },
    { name: 'Reserved_Qty', kind: 'decimal', editable: 'never' },
    { name: 'Available', kind: 'decimal', editable: 'never' },
    { name: 'Blocked', kind: 'boolean', editable: 'always' },
  ],
};

export const PAGE_SCHEMAS: Readonly<Record<PageName, PageSchema>> = {
  Customer: CUSTOMER_SCHEMA,
  SalesOrder: SALES_ORDER_SCHEMA,
  PostedSalesInvoice: POSTED_SALES_INVOICE_SCHEMA,
  Item: ITEM_SCHEMA,
};

export function isPageName(value: string): value is PageName {
  return (PAGE_NAMES as readonly string[]).includes(value);
}
