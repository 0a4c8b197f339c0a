import type { RequestHandler } from 'express';
import { invalidRequest } from './errors.js';
import { paramsOf } from './params.js';

/**
 * The top-level parameters each endpoint accepts. Stripe refuses anything else with 400 `parameter_unknown`
 * naming the parameter, lists and searches included, before the request executes (so its idempotency key stays
 * free). Nested keys (`metadata[...]`, `invoice_settings[...]`) are checked by the routes that read them.
 */
const LIST = ['limit', 'starting_after', 'ending_before', 'created', 'expand'];
const SEARCH = ['query', 'limit', 'page', 'expand'];
const RETRIEVE = ['expand'];
const CUSTOMER_WRITE = [
  'email',
  'name',
  'phone',
  'description',
  'address',
  'balance',
  'metadata',
  'payment_method',
  'invoice_settings',
  'expand',
];
const INTENT_WRITE = [
  'amount',
  'currency',
  'customer',
  'payment_method',
  'payment_method_data',
  'description',
  'receipt_email',
  'metadata',
  'expand',
];

type Endpoint = { method: 'GET' | 'POST' | 'DELETE'; path: string; params: readonly string[] };

const ENDPOINTS: readonly Endpoint[] = [
  { method: 'POST', path: '/v1/customers', params: CUSTOMER_WRITE },
  { method: 'GET', path: '/v1/customers', params: [...LIST, 'email'] },
  { method: 'GET', path: '/v1/customers/search', params: SEARCH },
  { method: 'GET', path: '/v1/customers/:id', params: RETRIEVE },
  { method: 'POST', path: '/v1/customers/:id', params: CUSTOMER_WRITE },
  { method: 'DELETE', path: '/v1/customers/:id', params: [] },
  {
    method: 'POST',
    path: '/v1/payment_intents',
    params: [...INTENT_WRITE, 'capture_method', 'confirm', 'return_url', 'automatic_payment_methods', 'payment_method_types'],
  },
  { method: 'GET', path: '/v1/payment_intents', params: [...LIST, 'customer'] },
  { method: 'GET', path: '/v1/payment_intents/search', params: SEARCH },
  { method: 'GET', path: '/v1/payment_intents/:id', params: [...RETRIEVE, 'client_secret'] },
  { method: 'POST', path: '/v1/payment_intents/:id', params: [...INTENT_WRITE, 'payment_method_types'] },
  { method: 'POST', path: '/v1/payment_intents/:id/confirm', params: ['payment_method', 'payment_method_data', 'return_url', 'expand'] },
  { method: 'POST', path: '/v1/payment_intents/:id/capture', params: ['amount_to_capture', 'expand'] },
  { method: 'POST', path: '/v1/payment_intents/:id/cancel', params: ['cancellation_reason', 'expand'] },
  { method: 'GET', path: '/v1/charges', params: [...LIST, 'customer', 'payment_intent'] },
  { method: 'GET', path: '/v1/charges/search', params: SEARCH },
  { method: 'GET', path: '/v1/charges/:id', params: RETRIEVE },
  { method: 'POST', path: '/v1/charges/:id', params: ['description', 'metadata', 'expand'] },
  { method: 'POST', path: '/v1/charges/:id/capture', params: ['amount', 'expand'] },
  { method: 'POST', path: '/v1/refunds', params: ['charge', 'payment_intent', 'reason', 'amount', 'metadata', 'expand'] },
  { method: 'GET', path: '/v1/refunds', params: [...LIST, 'charge', 'payment_intent'] },
  { method: 'GET', path: '/v1/refunds/:id', params: RETRIEVE },
  { method: 'POST', path: '/v1/refunds/:id', params: ['metadata', 'expand'] },
  { method: 'POST', path: '/v1/refunds/:id/cancel', params: RETRIEVE },
  {
    method: 'POST',
    path: '/v1/invoices',
    params: ['customer', 'collection_method', 'currency', 'description', 'metadata', 'auto_advance', 'days_until_due', 'expand'],
  },
  { method: 'GET', path: '/v1/invoices', params: [...LIST, 'customer', 'status', 'subscription', 'collection_method'] },
  { method: 'GET', path: '/v1/invoices/search', params: SEARCH },
  { method: 'GET', path: '/v1/invoices/:id', params: RETRIEVE },
  { method: 'GET', path: '/v1/invoices/:id/lines', params: LIST.filter((name) => name !== 'created') },
  { method: 'POST', path: '/v1/invoices/:id', params: ['description', 'metadata', 'expand'] },
  { method: 'DELETE', path: '/v1/invoices/:id', params: [] },
  { method: 'POST', path: '/v1/invoices/:id/add_lines', params: ['lines', 'expand'] },
  { method: 'POST', path: '/v1/invoices/:id/finalize', params: ['auto_advance', 'expand'] },
  { method: 'POST', path: '/v1/invoices/:id/pay', params: ['payment_method', 'paid_out_of_band', 'expand'] },
  { method: 'POST', path: '/v1/invoices/:id/void', params: RETRIEVE },
  { method: 'POST', path: '/v1/invoices/:id/mark_uncollectible', params: RETRIEVE },
  { method: 'POST', path: '/v1/invoices/:id/send', params: RETRIEVE },
  { method: 'POST', path: '/v1/invoiceitems', params: ['customer', 'amount', 'currency', 'description', 'invoice', 'metadata', 'expand'] },
  { method: 'GET', path: '/v1/invoiceitems', params: [...LIST, 'customer', 'invoice', 'pending'] },
  { method: 'GET', path: '/v1/invoiceitems/:id', params: RETRIEVE },
  {
    method: 'POST',
    path: '/v1/subscriptions',
    params: ['customer', 'items', 'trial_period_days', 'default_payment_method', 'metadata', 'expand'],
  },
  { method: 'GET', path: '/v1/subscriptions', params: [...LIST, 'customer', 'status', 'price'] },
  { method: 'GET', path: '/v1/subscriptions/search', params: SEARCH },
  { method: 'GET', path: '/v1/subscriptions/:id', params: RETRIEVE },
  {
    method: 'POST',
    path: '/v1/subscriptions/:id',
    params: [
      'metadata',
      'description',
      'cancel_at_period_end',
      'default_payment_method',
      'pause_collection',
      'items',
      'proration_behavior',
      'expand',
    ],
  },
  { method: 'DELETE', path: '/v1/subscriptions/:id', params: ['cancellation_details', 'invoice_now', 'prorate', 'expand'] },
  { method: 'POST', path: '/v1/subscriptions/:id/pause', params: RETRIEVE },
  { method: 'POST', path: '/v1/subscriptions/:id/resume', params: ['billing_cycle_anchor', 'proration_behavior', 'expand'] },
  { method: 'GET', path: '/v1/events', params: [...LIST, 'type', 'types'] },
  { method: 'GET', path: '/v1/events/:id', params: RETRIEVE },
  { method: 'GET', path: '/v1/prices', params: [...LIST, 'product', 'currency'] },
  { method: 'GET', path: '/v1/prices/:id', params: RETRIEVE },
  { method: 'GET', path: '/v1/products', params: LIST },
  { method: 'GET', path: '/v1/products/:id', params: RETRIEVE },
  { method: 'GET', path: '/v1/payment_methods/:id', params: RETRIEVE },
];

type Compiled = { method: string; pattern: RegExp; allowed: ReadonlySet<string> };

const COMPILED: readonly Compiled[] = ENDPOINTS.map(({ method, path, params }) => ({
  method,
  // `:id` matches one segment; literal segments (`search`, `lines`) are listed before `:id` where both could match.
  pattern: new RegExp(`^${path.replace(/:id/g, '[^/]+')}$`),
  allowed: new Set(params),
})).sort((a, b) => literalFirst(a.pattern.source, b.pattern.source));

function literalFirst(a: string, b: string): number {
  return Number(a.includes('[^/]+')) - Number(b.includes('[^/]+'));
}

/** The endpoint a request is for, literal paths before `:id` ones; undefined for a URL no endpoint serves. */
function endpointOf(method: string, path: string): Compiled | undefined {
  return COMPILED.find((endpoint) => endpoint.method === method && endpoint.pattern.test(path));
}

/** Refuses a request naming a parameter its endpoint does not take. Runs after the body parser. */
export function knownParams(): RequestHandler {
  return (req, _res, next) => {
    const endpoint = endpointOf(req.method, req.path);
    if (!endpoint) return next();
    const unknown = Object.keys(paramsOf(req)).find((name) => !endpoint.allowed.has(name));
    if (unknown !== undefined) {
      throw invalidRequest(`Received unknown parameter: ${unknown}`, { param: unknown, code: 'parameter_unknown' });
    }
    next();
  };
}
