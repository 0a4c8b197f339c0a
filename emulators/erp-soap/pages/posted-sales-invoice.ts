import type { PageAdapter } from '../page-service.js';
import { POSTED_SALES_INVOICE_SCHEMA } from '../page-schemas.js';
import type { ErpStore, PostedInvoiceRecord } from '../store.js';

/** Read-only, as posted documents are in NAV: the adapter has no create, update or delete. */
export function postedSalesInvoicePage(store: ErpStore): PageAdapter<PostedInvoiceRecord> {
  return {
    schema: POSTED_SALES_INVOICE_SCHEMA,
    table: store.invoices,
    row: (invoice) => ({
      No: invoice.No,
      Sell_to_Customer_No: invoice.Sell_to_Customer_No,
      Order_No: invoice.Order_No,
      Posting_Date: invoice.Posting_Date,
      Due_Date: invoice.Due_Date,
      Currency_Code: invoice.Currency_Code,
      Amount: invoice.Amount,
      Amount_Including_VAT: invoice.Amount_Including_VAT,
      Remaining_Amount: invoice.Remaining_Amount,
      Closed: invoice.Remaining_Amount === 0,
    }),
  };
}
