/**
 * The ERP's tables, in memory, one set per emulator instance. Records are replaced, never mutated, so a
 * snapshot handed out earlier stays what it was. Decimal fields hold integer hundredths (see values.ts).
 */

type Versioned = { readonly No: string; readonly version: number };

export type CustomerRecord = Versioned & {
  readonly Name: string;
  readonly E_Mail: string;
  readonly Phone_No: string;
  readonly Address: string;
  readonly City: string;
  readonly Country_Region_Code: string;
  readonly Currency_Code: string;
  readonly Credit_Limit_LCY: number;
  readonly Blocked: string;
};

export type ItemRecord = Versioned & {
  readonly Description: string;
  readonly Base_Unit_of_Measure: string;
  readonly Unit_Price: number;
  readonly Inventory: number;
  readonly Blocked: boolean;
};

export type SalesLineRecord = {
  readonly Line_No: number;
  readonly Type: 'Item';
  readonly No: string;
  readonly Description: string;
  readonly Quantity: number;
  readonly Unit_Price: number;
};

export type SalesOrderRecord = Versioned & {
  readonly Sell_to_Customer_No: string;
  readonly External_Document_No: string;
  readonly Order_Date: string;
  readonly Requested_Delivery_Date: string;
  readonly Status: string;
  readonly Currency_Code: string;
  readonly lines: readonly SalesLineRecord[];
};

export type PostedInvoiceRecord = Versioned & {
  readonly Sell_to_Customer_No: string;
  readonly Order_No: string;
  readonly Posting_Date: string;
  readonly Due_Date: string;
  readonly Currency_Code: string;
  readonly Amount: number;
  readonly Amount_Including_VAT: number;
  readonly Remaining_Amount: number;
};

export type ErpTables = {
  customers: Map<string, CustomerRecord>;
  items: Map<string, ItemRecord>;
  orders: Map<string, SalesOrderRecord>;
  invoices: Map<string, PostedInvoiceRecord>;
};

export type ErpStore = ErpTables & {
  /** Bumped on every write, so derived totals know when to recompute. */
  revision: number;
  /** Quantity (hundredths) on all sales order lines per item: the page's Reserved_Qty. */
  reservedQuantity(itemNo: string): number;
  /** Sum of Remaining_Amount over the customer's posted invoices: the page's Balance_LCY. */
  balance(customerNo: string): number;
  touch(): void;
};

export function createStore(tables: ErpTables): ErpStore {
  let reserved: { revision: number; byItem: Map<string, number> } | undefined;
  let balances: { revision: number; byCustomer: Map<string, number> } | undefined;
  const store: ErpStore = {
    ...tables,
    revision: 0,
    reservedQuantity(itemNo) {
      if (reserved?.revision !== store.revision) {
        const byItem = new Map<string, number>();
        for (const order of store.orders.values()) {
          for (const line of order.lines) byItem.set(line.No, (byItem.get(line.No) ?? 0) + line.Quantity);
        }
        reserved = { revision: store.revision, byItem };
      }
      return reserved.byItem.get(itemNo) ?? 0;
    },
    balance(customerNo) {
      if (balances?.revision !== store.revision) {
        const byCustomer = new Map<string, number>();
        for (const invoice of store.invoices.values()) {
          const no = invoice.Sell_to_Customer_No;
          byCustomer.set(no, (byCustomer.get(no) ?? 0) + invoice.Remaining_Amount);
        }
        balances = { revision: store.revision, byCustomer };
      }
      return balances.byCustomer.get(customerNo) ?? 0;
    },
    touch() {
      store.revision++;
    },
  };
  return store;
}
