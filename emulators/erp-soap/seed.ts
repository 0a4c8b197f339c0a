import { createRandom, type Random } from '../shared/random.js';
import { DEFAULT_SEED, seedPeople } from '../shared/people.js';
import { SALES_ORDER_STATUSES } from './page-schemas.js';
import type { CustomerRecord, ErpTables, ItemRecord, PostedInvoiceRecord, SalesLineRecord, SalesOrderRecord } from './store.js';
import { addDays, multiplyHundredths, percentOf } from './values.js';

/** VAT is a flat 19% on every order and invoice; the ERP subgraph reads the amounts, it does not compute them. */
export const VAT_PERCENT = 19;
export const ITEM_COUNT = 100;
export const FIRST_ITEM_NO = 1000;
export const FIRST_ORDER_NO = 10001;
export const FIRST_INVOICE_NO = 20001;

const ADJECTIVES = ['ATHENS', 'PARIS', 'ROME', 'LONDON', 'OSLO', 'MUNICH', 'AMSTERDAM', 'BERLIN', 'TOKYO', 'SYDNEY'];
const NOUNS = [
  'Desk',
  'Guest Chair',
  'Lamp',
  'Whiteboard',
  'Storage Unit',
  'Swivel Chair',
  'Conference Table',
  'Mobile Pedestal',
  'Monitor Arm',
  'Bookcase',
];
const UNITS = ['PCS', 'PCS', 'PCS', 'BOX', 'SET'];
const STREETS = ['Main Street', 'Harbour Road', 'Station Square', 'Park Avenue', 'Mill Lane', 'High Street'];
const CREDIT_LIMITS = [0, 500_000, 1_000_000, 2_500_000, 5_000_000];

/** ERP currencies follow the customer's country; the seed people carry no currency of their own. */
function currencyFor(country: string): string {
  if (country === 'GB') return 'GBP';
  if (country === 'US' || country === 'CA' || country === 'JP' || country === 'AU') return 'USD';
  return 'EUR';
}

/** A date spread over 2025–2026, fixed by the seed (never the clock). */
const dateIn2025To2026 = (random: Random, lastDayOffset = 729): string => addDays('2025-01-01', random.int(0, lastDayOffset));

function seedItems(random: Random): ItemRecord[] {
  return Array.from({ length: ITEM_COUNT }, (_, index) => ({
    No: String(FIRST_ITEM_NO + index),
    version: 1,
    Description: `${ADJECTIVES[index % ADJECTIVES.length]} ${NOUNS[Math.floor(index / ADJECTIVES.length) % NOUNS.length]}`,
    Base_Unit_of_Measure: random.pick(UNITS),
    Unit_Price: random.int(5, 2500) * 100 + random.pick([0, 0, 50, 99]),
    // Most items cover what the seeded orders reserve; a few run short, so Available goes negative there.
    Inventory: (random.chance(0.1) ? random.int(0, 50) : random.int(400, 2500)) * 100,
    Blocked: random.chance(0.04),
  }));
}

/**
 * The ERP's data for a seed: a customer for every seed person with an `erpCustomerNo`, 100 items, 0–6 sales
 * orders (1–5 lines each) and 0–8 posted invoices per customer. Pure: the same seed gives equal tables.
 */
export function seedErpTables(seed = DEFAULT_SEED): ErpTables {
  const random = createRandom(seed * 104_729 + 4104);
  const items = seedItems(random);
  const orderableItems = items.filter((item) => !item.Blocked);
  const tables: ErpTables = { customers: new Map(), items: new Map(), orders: new Map(), invoices: new Map() };
  for (const item of items) tables.items.set(item.No, item);

  let orderNo = FIRST_ORDER_NO;
  let invoiceNo = FIRST_INVOICE_NO;
  let postedOrderNo = 1;
  for (const person of seedPeople(seed)) {
    if (!person.erpCustomerNo) continue;
    const currency = currencyFor(person.country);
    const customer: CustomerRecord = {
      No: person.erpCustomerNo,
      version: 1,
      Name: `${person.firstName} ${person.lastName}`,
      E_Mail: person.email,
      Phone_No: person.phone,
      Address: `${random.int(1, 250)} ${random.pick(STREETS)}`,
      City: person.city,
      Country_Region_Code: person.country,
      Currency_Code: currency,
      Credit_Limit_LCY: random.pick(CREDIT_LIMITS),
      Blocked: random.chance(0.03) ? random.pick(['Ship', 'Invoice', 'All']) : '_blank_',
    };
    tables.customers.set(customer.No, customer);

    for (let count = random.int(0, 6); count > 0; count--) {
      const orderDate = dateIn2025To2026(random, 700);
      const lines: SalesLineRecord[] = Array.from({ length: random.int(1, 5) }, (_, index) => {
        const item = random.pick(orderableItems);
        return {
          Line_No: (index + 1) * 10_000,
          Type: 'Item',
          No: item.No,
          Description: item.Description,
          Quantity: random.int(1, 20) * 100,
          Unit_Price: item.Unit_Price,
        };
      });
      const order: SalesOrderRecord = {
        No: `SO-${orderNo++}`,
        version: 1,
        Sell_to_Customer_No: customer.No,
        External_Document_No: random.chance(0.7) ? `PO-${random.int(10_000, 99_999)}` : '',
        Order_Date: orderDate,
        Requested_Delivery_Date: addDays(orderDate, random.int(3, 28)),
        Status: random.pick([...SALES_ORDER_STATUSES, 'Open', 'Released']),
        Currency_Code: currency,
        lines,
      };
      tables.orders.set(order.No, order);
    }

    for (let count = random.int(0, 8); count > 0; count--) {
      const postingDate = dateIn2025To2026(random, 690);
      const amount = random.int(50, 20_000) * 100 + random.int(0, 99);
      const withVat = amount + percentOf(amount, VAT_PERCENT);
      const open = random.chance(0.3);
      const invoice: PostedInvoiceRecord = {
        No: `PSI-${invoiceNo++}`,
        version: 1,
        Sell_to_Customer_No: customer.No,
        // Posted orders leave the SalesOrder page, so their numbers come from an older range.
        Order_No: random.chance(0.8) ? `SO-${String(postedOrderNo++).padStart(5, '0')}` : '',
        Posting_Date: postingDate,
        Due_Date: addDays(postingDate, 30),
        Currency_Code: currency,
        Amount: amount,
        Amount_Including_VAT: withVat,
        Remaining_Amount: open ? (random.chance(0.5) ? withVat : multiplyHundredths(50, withVat)) : 0,
      };
      tables.invoices.set(invoice.No, invoice);
    }
  }
  return tables;
}
