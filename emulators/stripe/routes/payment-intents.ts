import { Router } from 'express';
import { nowSeconds, requestInfo, type StripeContext } from '../context.js';
import { previousAttributes } from '../events.js';
import { invalidRequest, unexpectedState } from '../errors.js';
import { listRoute, mustGet, retrieveRoute, send } from '../list.js';
import { buildPaymentIntent } from '../objects.js';
import { boolParam, currencyParam, intParam, mergeMetadata, nullableString, paramsOf, stringParam, type Params } from '../params.js';
import {
  cancelPaymentIntent,
  capturePaymentIntent,
  confirmPaymentIntent,
  createCardPaymentMethod,
  resolvePaymentMethod,
} from '../payments.js';
import { checkMinimumAmount, checkRedirectable, intentPaymentMethods } from '../intent-rules.js';
import { searchRoute, type SearchFields } from '../search.js';
import type { PaymentIntent } from '../types.js';

export const PAYMENT_INTENT_SEARCH_FIELDS: SearchFields<PaymentIntent> = {
  amount: { kind: 'number', get: (p) => p.amount },
  created: { kind: 'number', get: (p) => p.created },
  currency: { kind: 'token', get: (p) => p.currency },
  customer: { kind: 'token', get: (p) => p.customer },
  status: { kind: 'token', get: (p) => p.status },
};

const CAPTURE_METHODS = ['automatic', 'automatic_async', 'manual'] as const;

export function paymentIntentRoutes(context: StripeContext): Router {
  const { store } = context;
  const router = Router();
  const url = '/v1/payment_intents';

  /** `payment_method` or, for raw test card numbers, `payment_method_data[card][number]`. */
  const paymentMethodFrom = (params: Params, customer: string | null): string | undefined => {
    const id = stringParam(params, 'payment_method');
    if (id) return resolvePaymentMethod(context, id, customer, 'payment_method').id;
    const data = params.payment_method_data as { card?: { number?: unknown } } | undefined;
    const number = data?.card?.number;
    if (typeof number === 'string') return createCardPaymentMethod(context, number.replace(/\s/g, ''), 'visa', customer).id;
    return undefined;
  };

  const confirmOrThrow = (intent: PaymentIntent, res: Parameters<typeof requestInfo>[0]) => {
    const declined = confirmPaymentIntent(context, intent, requestInfo(res));
    if (declined) throw declined;
  };

  router.post(url, (req, res) => {
    const params = paramsOf(req);
    const amount = intParam(params, 'amount', true);
    if (amount < 1) throw invalidRequest('This value must be greater than or equal to 1.', { param: 'amount' });
    const currency = currencyParam(params);
    if (!currency) throw invalidRequest('Missing required param: currency.', { param: 'currency', code: 'parameter_missing' });
    const customer = stringParam(params, 'customer') ?? null;
    if (customer) mustGet(store.customers, customer, 'customer');
    const captureMethod = stringParam(params, 'capture_method') ?? 'automatic_async';
    if (!(CAPTURE_METHODS as readonly string[]).includes(captureMethod)) {
      throw invalidRequest(`Invalid capture_method: must be one of ${CAPTURE_METHODS.join(', ')}`, { param: 'capture_method' });
    }
    checkMinimumAmount(amount, currency);
    const methods = intentPaymentMethods(params);
    const confirm = boolParam(params, 'confirm');
    // Everything is validated before the intent exists: a refused request leaves nothing behind.
    const intent = buildPaymentIntent({
      id: context.newId('pi'),
      created: nowSeconds(context),
      amount,
      currency,
      customer,
      captureMethod: captureMethod as PaymentIntent['capture_method'],
      paymentMethod: paymentMethodFrom(params, customer) ?? null,
      description: stringParam(params, 'description') ?? null,
      receiptEmail: stringParam(params, 'receipt_email') ?? null,
      metadata: mergeMetadata({}, params.metadata),
    });
    intent.automatic_payment_methods = methods.automatic;
    intent.payment_method_types = methods.types;
    if (confirm) checkRedirectable(intent, params);
    store.payment_intents.insert(intent);
    context.events.record('payment_intent.created', intent, requestInfo(res));
    if (confirm) confirmOrThrow(intent, res);
    send(res, context, params, intent);
  });

  router.get(
    url,
    listRoute(context, store.payment_intents, url, {
      customer: (intent, value) => intent.customer === value,
    }),
  );
  router.get(
    `${url}/search`,
    searchRoute(context, store.payment_intents, `${url}/search`, 'payment_intents', PAYMENT_INTENT_SEARCH_FIELDS),
  );
  router.get(`${url}/:id`, retrieveRoute(context, store.payment_intents));

  router.post(`${url}/:id`, (req, res) => {
    const params = paramsOf(req);
    const intent = mustGet(store.payment_intents, String(req.params.id));
    const before = structuredClone(intent);
    const settled = intent.status === 'succeeded' || intent.status === 'canceled';
    const money = ['amount', 'currency', 'customer', 'payment_method'].filter((name) => params[name] !== undefined);
    if (settled && money.length > 0) {
      throw unexpectedState(
        'payment_intent_unexpected_state',
        `You cannot update ${money[0]} on a PaymentIntent ` + `with a status of ${intent.status}.`,
      );
    }
    const amount = intParam(params, 'amount');
    if (amount !== undefined) intent.amount = amount;
    const currency = currencyParam(params);
    if (currency) intent.currency = currency;
    const customer = nullableString(params, 'customer');
    if (customer) mustGet(store.customers, customer, 'customer');
    if (customer !== undefined) intent.customer = customer;
    const method = paymentMethodFrom(params, intent.customer);
    if (method) {
      intent.payment_method = method;
      if (intent.status === 'requires_payment_method') intent.status = 'requires_confirmation';
    }
    for (const field of ['description', 'receipt_email'] as const) {
      const value = nullableString(params, field);
      if (value !== undefined) intent[field] = value;
    }
    intent.metadata = mergeMetadata(intent.metadata, params.metadata);
    const previous = previousAttributes(before, intent);
    if (previous) context.events.record('payment_intent.updated', intent, requestInfo(res), previous);
    send(res, context, params, intent);
  });

  router.post(`${url}/:id/confirm`, (req, res) => {
    const params = paramsOf(req);
    const intent = mustGet(store.payment_intents, String(req.params.id));
    checkRedirectable(intent, params);
    const method = paymentMethodFrom(params, intent.customer);
    if (method) intent.payment_method = method;
    confirmOrThrow(intent, res);
    send(res, context, params, intent);
  });

  router.post(`${url}/:id/capture`, (req, res) => {
    const params = paramsOf(req);
    const intent = mustGet(store.payment_intents, String(req.params.id));
    capturePaymentIntent(context, intent, intParam(params, 'amount_to_capture'), requestInfo(res));
    send(res, context, params, intent);
  });

  router.post(`${url}/:id/cancel`, (req, res) => {
    const params = paramsOf(req);
    const intent = mustGet(store.payment_intents, String(req.params.id));
    cancelPaymentIntent(context, intent, stringParam(params, 'cancellation_reason'), requestInfo(res));
    send(res, context, params, intent);
  });

  return router;
}
