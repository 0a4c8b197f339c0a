import { Router } from 'express';
import { nowSeconds, requestInfo, type StripeContext } from '../context.js';
import { previousAttributes } from '../events.js';
import { invalidRequest, noSuch } from '../errors.js';
import { listRoute, mustGet, send } from '../list.js';
import { buildCustomer } from '../objects.js';
import { intParam, mergeMetadata, nullableString, paramsOf, stringParam, type Params } from '../params.js';
import { resolvePaymentMethod } from '../payments.js';
import { searchRoute, type SearchFields } from '../search.js';
import type { Customer, CustomerAddress } from '../types.js';

/** What Stripe documents as searchable on customers. */
export const CUSTOMER_SEARCH_FIELDS: SearchFields<Customer> = {
  created: { kind: 'number', get: (c) => c.created },
  email: { kind: 'string', substring: true, get: (c) => c.email },
  name: { kind: 'string', substring: true, get: (c) => c.name },
  phone: { kind: 'string', substring: true, get: (c) => c.phone },
};

/** The invoice prefix Stripe gives a customer: eight uppercase characters that look like the id. */
function invoicePrefix(id: string): string {
  return id
    .slice(4, 12)
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, 'X');
}

const ADDRESS_PARTS = ['line1', 'line2', 'city', 'postal_code', 'state', 'country'] as const;

/**
 * The `address` parameter as Stripe reads it: a hash of the parts, each string; given, it replaces the whole
 * address (parts left out become null), and `address=` (empty) removes it. Undefined when not given.
 */
function addressParam(params: Params): CustomerAddress | null | undefined {
  const value = params.address;
  if (value === undefined) return undefined;
  if (value === '') return null;
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalidRequest('Invalid address: must be a hash of line1, line2, city, postal_code, state, country', { param: 'address' });
  const given = value as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!(ADDRESS_PARTS as readonly string[]).includes(key))
      throw invalidRequest(`Received unknown parameter: address[${key}]`, { param: `address[${key}]` });
    if (typeof given[key] !== 'string') throw invalidRequest(`Invalid string: address[${key}]`, { param: `address[${key}]` });
  }
  const address = Object.fromEntries(
    ADDRESS_PARTS.map((part) => [part, typeof given[part] === 'string' && given[part] !== '' ? given[part] : null]),
  ) as CustomerAddress;
  return address;
}

export function customerRoutes(context: StripeContext): Router {
  const { store } = context;
  const router = Router();
  const url = '/v1/customers';

  const applyDefaultPaymentMethod = (customer: Customer, params: Params) => {
    const attach = stringParam(params, 'payment_method');
    if (attach) resolvePaymentMethod(context, attach, customer.id, 'payment_method').customer = customer.id;
    const settings = params.invoice_settings as Record<string, unknown> | undefined;
    const preferred = typeof settings?.default_payment_method === 'string' ? settings.default_payment_method : undefined;
    if (preferred !== undefined) {
      customer.invoice_settings.default_payment_method =
        preferred === '' ? null : resolvePaymentMethod(context, preferred, customer.id, 'invoice_settings[default_payment_method]').id;
    }
  };

  router.post(url, (req, res) => {
    const params = paramsOf(req);
    const id = context.newId('cus');
    const customer = buildCustomer({
      id,
      created: nowSeconds(context),
      email: stringParam(params, 'email') ?? null,
      name: stringParam(params, 'name') ?? null,
      phone: stringParam(params, 'phone') ?? null,
      description: stringParam(params, 'description') ?? null,
      balance: intParam(params, 'balance') ?? 0,
      metadata: mergeMetadata({}, params.metadata),
      invoicePrefix: invoicePrefix(id),
    });
    const address = addressParam(params);
    if (address !== undefined) customer.address = address;
    applyDefaultPaymentMethod(customer, params);
    store.customers.insert(customer);
    context.events.record('customer.created', customer, requestInfo(res));
    send(res, context, params, customer);
  });

  router.get(
    url,
    listRoute(context, store.customers, url, {
      // Stripe's list filter on email is exact and case-sensitive, unlike search.
      email: (customer, value) => customer.email === value,
    }),
  );
  router.get(`${url}/search`, searchRoute(context, store.customers, `${url}/search`, 'customers', CUSTOMER_SEARCH_FIELDS));

  router.get(`${url}/:id`, (req, res) => {
    const id = String(req.params.id);
    if (store.deletedCustomers.has(id)) return send(res, context, paramsOf(req), { id, object: 'customer', deleted: true });
    send(res, context, paramsOf(req), mustGet(store.customers, id));
  });

  router.post(`${url}/:id`, (req, res) => {
    const params = paramsOf(req);
    const customer = mustGet(store.customers, String(req.params.id));
    const before = structuredClone(customer);
    for (const field of ['email', 'name', 'phone', 'description'] as const) {
      const value = nullableString(params, field);
      if (value !== undefined) customer[field] = value;
    }
    const address = addressParam(params);
    if (address !== undefined) customer.address = address;
    const balance = intParam(params, 'balance');
    if (balance !== undefined) customer.balance = balance;
    customer.metadata = mergeMetadata(customer.metadata, params.metadata);
    applyDefaultPaymentMethod(customer, params);
    const previous = previousAttributes(before, customer);
    if (previous) context.events.record('customer.updated', customer, requestInfo(res), previous);
    send(res, context, params, customer);
  });

  router.delete(`${url}/:id`, (req, res) => {
    const id = String(req.params.id);
    const customer = store.customers.get(id);
    if (!customer) throw noSuch('customer', id);
    store.customers.delete(id);
    store.deletedCustomers.add(id);
    context.events.record('customer.deleted', customer, requestInfo(res));
    send(res, context, {}, { id, object: 'customer', deleted: true });
  });

  return router;
}
