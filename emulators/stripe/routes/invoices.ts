import { Router } from 'express';
import { nowSeconds, requestInfo, type StripeContext } from '../context.js';
import { finalizeInvoice, markUncollectible, payInvoice, voidInvoice } from '../billing.js';
import { previousAttributes } from '../events.js';
import { invalidRequest, unexpectedState } from '../errors.js';
import { listRoute, mustGet, paginate, retrieveRoute, send } from '../list.js';
import { addInvoiceLine, buildInvoice } from '../objects.js';
import { arrayParam, boolParam, currencyParam, intParam, mergeMetadata, nullableString, paramsOf, stringParam } from '../params.js';
import { searchRoute, type SearchFields } from '../search.js';
import type { Invoice } from '../types.js';

const subscriptionOf = (invoice: Invoice) => invoice.parent?.subscription_details.subscription ?? null;

export const INVOICE_SEARCH_FIELDS: SearchFields<Invoice> = {
  created: { kind: 'number', get: (i) => i.created },
  currency: { kind: 'token', get: (i) => i.currency },
  customer: { kind: 'token', get: (i) => i.customer },
  number: { kind: 'token', get: (i) => i.number },
  receipt_number: { kind: 'token', get: (i) => (i.receipt_number as string | null) ?? null },
  status: { kind: 'token', get: (i) => i.status },
  // At the pinned API version the subscription lives at parent.subscription_details; search keeps the old name.
  subscription: { kind: 'token', get: subscriptionOf },
  total: { kind: 'number', get: (i) => i.total },
};

export function invoiceRoutes(context: StripeContext): Router {
  const { store } = context;
  const router = Router();
  const url = '/v1/invoices';
  const invoice = (id: unknown) => mustGet(store.invoices, String(id));

  router.post(url, (req, res) => {
    const params = paramsOf(req);
    const customer = mustGet(store.customers, stringParam(params, 'customer', true), 'customer');
    const collection = stringParam(params, 'collection_method') ?? 'charge_automatically';
    if (collection !== 'charge_automatically' && collection !== 'send_invoice') {
      throw invalidRequest('Invalid collection_method', { param: 'collection_method' });
    }
    const created = buildInvoice({
      id: context.newId('in'),
      created: nowSeconds(context),
      customer,
      currency: currencyParam(params) ?? customer.currency ?? 'usd',
      collectionMethod: collection,
      description: stringParam(params, 'description') ?? null,
      metadata: mergeMetadata({}, params.metadata),
    });
    created.auto_advance = boolParam(params, 'auto_advance') ?? false;
    const days = intParam(params, 'days_until_due');
    if (days !== undefined) created.due_date = created.created + days * 86_400;
    store.invoices.insert(created);
    context.events.record('invoice.created', created, requestInfo(res));
    send(res, context, params, created);
  });

  router.get(
    url,
    listRoute(context, store.invoices, url, {
      customer: (i, value) => i.customer === value,
      status: (i, value) => i.status === value,
      subscription: (i, value) => subscriptionOf(i) === value,
      collection_method: (i, value) => i.collection_method === value,
    }),
  );
  router.get(`${url}/search`, searchRoute(context, store.invoices, `${url}/search`, 'invoices', INVOICE_SEARCH_FIELDS));
  router.get(`${url}/:id`, retrieveRoute(context, store.invoices));

  router.get(`${url}/:id/lines`, (req, res) => {
    const params = paramsOf(req);
    const found = invoice(req.params.id);
    const { page, total } = paginate(found.lines.data, params, `${url}/${found.id}/lines`, 'line item');
    send(res, context, params, page, { total });
  });

  router.post(`${url}/:id`, (req, res) => {
    const params = paramsOf(req);
    const found = invoice(req.params.id);
    const before = structuredClone(found);
    if (found.status !== 'draft' && params.description !== undefined) {
      throw unexpectedState('invoice_not_editable', 'You can only update the description of a draft invoice.');
    }
    const description = nullableString(params, 'description');
    if (description !== undefined) found.description = description;
    found.metadata = mergeMetadata(found.metadata, params.metadata);
    const previous = previousAttributes(before, found);
    if (previous) context.events.record('invoice.updated', found, requestInfo(res), previous);
    send(res, context, params, found);
  });

  router.delete(`${url}/:id`, (req, res) => {
    const found = invoice(req.params.id);
    if (found.status !== 'draft') {
      throw unexpectedState('invoice_not_editable', 'You can only delete draft invoices.');
    }
    store.invoices.delete(found.id);
    context.events.record('invoice.deleted', found, requestInfo(res));
    send(res, context, {}, { id: found.id, object: 'invoice', deleted: true });
  });

  router.post(`${url}/:id/add_lines`, (req, res) => {
    const params = paramsOf(req);
    const found = invoice(req.params.id);
    if (found.status !== 'draft') throw unexpectedState('invoice_not_editable', 'You can only add lines to a draft invoice.');
    const lines = arrayParam(params.lines);
    if (lines.length === 0) throw invalidRequest('Missing required param: lines.', { param: 'lines', code: 'parameter_missing' });
    const before = structuredClone(found);
    lines.forEach((line, index) => {
      const fields = (line ?? {}) as Record<string, unknown>;
      const amount = intParam(fields, 'amount', true);
      addInvoiceLine(found, { id: context.newId('il'), amount, description: stringParam(fields, 'description') ?? `Line ${index + 1}` });
    });
    context.events.record('invoice.updated', found, requestInfo(res), previousAttributes(before, found));
    send(res, context, params, found);
  });

  router.post(`${url}/:id/finalize`, (req, res) => {
    const params = paramsOf(req);
    const found = invoice(req.params.id);
    finalizeInvoice(context, found, requestInfo(res));
    send(res, context, params, found);
  });

  router.post(`${url}/:id/pay`, (req, res) => {
    const params = paramsOf(req);
    const found = invoice(req.params.id);
    payInvoice(
      context,
      found,
      { paymentMethod: stringParam(params, 'payment_method'), outOfBand: boolParam(params, 'paid_out_of_band') },
      requestInfo(res),
    );
    send(res, context, params, found);
  });

  router.post(`${url}/:id/void`, (req, res) => {
    const params = paramsOf(req);
    const found = invoice(req.params.id);
    voidInvoice(context, found, requestInfo(res));
    send(res, context, params, found);
  });

  router.post(`${url}/:id/mark_uncollectible`, (req, res) => {
    const params = paramsOf(req);
    const found = invoice(req.params.id);
    markUncollectible(context, found, requestInfo(res));
    send(res, context, params, found);
  });

  router.post(`${url}/:id/send`, (req, res) => {
    const params = paramsOf(req);
    const found = invoice(req.params.id);
    if (found.status !== 'open') throw unexpectedState('invoice_not_open', 'You can only send open invoices.');
    context.events.record('invoice.sent', found, requestInfo(res));
    send(res, context, params, found);
  });

  return router;
}
