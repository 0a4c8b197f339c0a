import { Router } from 'express';
import { nowSeconds, requestInfo, type StripeContext } from '../context.js';
import { invalidRequest, unexpectedState } from '../errors.js';
import { previousAttributes } from '../events.js';
import { listRoute, mustGet, retrieveRoute, send } from '../list.js';
import { addInvoiceLine } from '../objects.js';
import { currencyParam, intParam, mergeMetadata, paramsOf, stringParam } from '../params.js';
import type { InvoiceItem } from '../store.js';

/**
 * `POST /v1/invoiceitems`: a charge line for a customer, added to the named draft invoice or left pending
 * (`invoice: null`) for the customer's next invoice. A negative amount is a credit, as on Stripe.
 */
export function invoiceItemRoutes(context: StripeContext): Router {
  const { store } = context;
  const router = Router();
  const url = '/v1/invoiceitems';

  router.post(url, (req, res) => {
    const params = paramsOf(req);
    const customer = mustGet(store.customers, stringParam(params, 'customer', true), 'customer');
    const amount = intParam(params, 'amount', true);
    const invoiceId = stringParam(params, 'invoice');
    const invoice = invoiceId ? mustGet(store.invoices, invoiceId, 'invoice') : undefined;
    if (invoice && invoice.customer !== customer.id) {
      throw invalidRequest(`The invoice ${invoice.id} belongs to another customer.`, { param: 'invoice' });
    }
    if (invoice && invoice.status !== 'draft') {
      throw unexpectedState('invoice_not_editable', 'You can only add invoice items to a draft invoice.');
    }
    const currency = currencyParam(params) ?? invoice?.currency ?? customer.currency ?? 'usd';
    if (invoice && currency !== invoice.currency) {
      throw invalidRequest(`The currency ${currency} does not match the invoice's (${invoice.currency}).`, { param: 'currency' });
    }
    const now = nowSeconds(context);
    const item: InvoiceItem = {
      id: context.newId('ii'),
      object: 'invoiceitem',
      amount,
      created: now,
      currency,
      customer: customer.id,
      date: now,
      description: stringParam(params, 'description') ?? null,
      discountable: amount >= 0,
      invoice: invoice?.id ?? null,
      livemode: false,
      metadata: mergeMetadata({}, params.metadata),
      period: { start: now, end: now },
      proration: false,
      quantity: 1,
    };
    store.invoice_items.insert(item);
    context.events.record('invoiceitem.created', item, requestInfo(res));
    if (invoice) {
      const before = structuredClone(invoice);
      // The line's id mirrors the item's, which is how a line names its invoice item.
      addInvoiceLine(invoice, { id: `il_${item.id.slice(3)}`, amount, description: item.description ?? 'Invoice item' });
      context.events.record('invoice.updated', invoice, requestInfo(res), previousAttributes(before, invoice));
    }
    send(res, context, params, item);
  });

  router.get(
    url,
    listRoute(context, store.invoice_items, url, {
      customer: (item, value) => item.customer === value,
      invoice: (item, value) => item.invoice === value,
      pending: (item, value) => (item.invoice === null) === (value === 'true'),
    }),
  );
  router.get(`${url}/:id`, retrieveRoute(context, store.invoice_items));
  return router;
}
