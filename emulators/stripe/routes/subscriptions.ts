import { Router } from 'express';
import { nowSeconds, requestInfo, type RequestInfo, type StripeContext } from '../context.js';
import { billSubscriptionPeriod } from '../billing.js';
import { previousAttributes } from '../events.js';
import { invalidRequest, noSuch, unexpectedState } from '../errors.js';
import { listRoute, mustGet, retrieveRoute, send } from '../list.js';
import { buildPrice, buildProduct, buildSubscription, buildSubscriptionItem } from '../objects.js';
import {
  arrayParam,
  boolParam,
  currencyParam,
  intParam,
  mergeMetadata,
  nullableString,
  paramsOf,
  stringParam,
  type Params,
} from '../params.js';
import { resolvePaymentMethod } from '../payments.js';
import { periodEnd } from '../periods.js';
import { searchRoute, type SearchFields } from '../search.js';
import type { Price, Subscription, SubscriptionItem } from '../types.js';

/**
 * Stripe documents only created, metadata and status as searchable on subscriptions; `customer` is not, so a
 * query on it is the same 400 as on Stripe. Use `subscriptions.list({customer})` per customer instead.
 */
export const SUBSCRIPTION_SEARCH_FIELDS: SearchFields<Subscription> = {
  created: { kind: 'number', get: (s) => s.created },
  status: { kind: 'token', get: (s) => s.status },
};

const PAUSABLE: ReadonlyArray<Subscription['status']> = ['active', 'trialing', 'past_due', 'unpaid'];

export function subscriptionRoutes(context: StripeContext): Router {
  const { store } = context;
  const router = Router();
  const url = '/v1/subscriptions';

  /** `items[i][price]` names a stored price; `items[i][price_data]` makes one, with a product if needed. */
  const priceFrom = (fields: Params, param: string, currency: string | undefined): Price => {
    const id = stringParam(fields, 'price');
    if (id) return mustGet(store.prices, id, `${param}[price]`);
    const data = fields.price_data as Params | undefined;
    if (!data) throw invalidRequest(`Missing required param: ${param}[price].`, { param: `${param}[price]` });
    const recurring = (data.recurring ?? {}) as Params;
    const interval = stringParam(recurring, 'interval') ?? 'month';
    if (interval !== 'month' && interval !== 'year') {
      throw invalidRequest('Invalid interval: must be one of month or year', { param: `${param}[price_data][recurring][interval]` });
    }
    const productId = stringParam(data, 'product', true);
    if (!store.products.get(productId)) {
      if (!productId.startsWith('prod_')) throw noSuch('product', productId, `${param}[price_data][product]`);
      store.products.insert(buildProduct({ id: productId, created: nowSeconds(context), name: productId }));
    }
    return store.prices.insert(
      buildPrice({
        id: context.newId('price'),
        created: nowSeconds(context),
        product: productId,
        currency: currencyParam(data) ?? currency ?? 'usd',
        unitAmount: intParam(data, 'unit_amount', true),
        interval,
      }),
    );
  };

  const newItem = (subscription: Subscription, price: Price, quantity: number, start: number): SubscriptionItem =>
    buildSubscriptionItem({
      id: context.newId('si'),
      created: start,
      subscription: subscription.id,
      price,
      quantity,
      periodStart: start,
      periodEnd: periodEnd(start, price.recurring?.interval ?? 'month'),
    });

  const recordUpdate = (subscription: Subscription, before: Subscription, request: RequestInfo) => {
    const previous = previousAttributes(before, subscription);
    if (previous) context.events.record('customer.subscription.updated', subscription, request, previous);
  };

  router.post(url, (req, res) => {
    const params = paramsOf(req);
    const customer = mustGet(store.customers, stringParam(params, 'customer', true), 'customer');
    const itemParams = arrayParam(params.items);
    if (itemParams.length === 0) throw invalidRequest('Missing required param: items.', { param: 'items', code: 'parameter_missing' });
    const now = nowSeconds(context);
    const trialDays = intParam(params, 'trial_period_days');
    const methodParam = stringParam(params, 'default_payment_method');
    const subscription = buildSubscription({
      id: context.newId('sub'),
      created: now,
      customer: customer.id,
      currency: customer.currency ?? 'usd',
      status: 'incomplete',
      items: [],
      metadata: mergeMetadata({}, params.metadata),
      defaultPaymentMethod: methodParam ? resolvePaymentMethod(context, methodParam, customer.id, 'default_payment_method').id : null,
      trialStart: trialDays ? now : null,
      trialEnd: trialDays ? now + trialDays * 86_400 : null,
    });
    itemParams.forEach((raw, index) => {
      const fields = (raw ?? {}) as Params;
      const price = priceFrom(fields, `items[${index}]`, customer.currency ?? undefined);
      subscription.items.data.push(newItem(subscription, price, intParam(fields, 'quantity') ?? 1, now));
    });
    subscription.items.total_count = subscription.items.data.length;
    subscription.currency = subscription.items.data[0]!.price.currency;
    customer.currency ??= subscription.currency;
    store.subscriptions.insert(subscription);
    const request = requestInfo(res);
    if (trialDays) {
      subscription.status = 'trialing';
      for (const item of subscription.items.data) item.current_period_end = subscription.trial_end as number;
    } else {
      subscription.status = billSubscriptionPeriod(context, subscription, customer, request).paid ? 'active' : 'incomplete';
    }
    context.events.record('customer.subscription.created', subscription, request);
    send(res, context, params, subscription);
  });

  router.get(
    url,
    listRoute(
      context,
      store.subscriptions,
      url,
      {
        customer: (s, value) => s.customer === value,
        // Without `status` Stripe lists every subscription that is not canceled; `all` includes those too.
        status: (s, value) => value === 'all' || s.status === value,
        price: (s, value) => s.items.data.some((item) => item.price.id === value),
      },
      (params) =>
        params.status === undefined ? store.subscriptions.all().filter((s) => s.status !== 'canceled') : store.subscriptions.all(),
    ),
  );
  router.get(`${url}/search`, searchRoute(context, store.subscriptions, `${url}/search`, 'subscriptions', SUBSCRIPTION_SEARCH_FIELDS));
  router.get(`${url}/:id`, retrieveRoute(context, store.subscriptions));

  router.post(`${url}/:id`, (req, res) => {
    const params = paramsOf(req);
    const subscription = mustGet(store.subscriptions, String(req.params.id));
    const before = structuredClone(subscription);
    const changesBilling = Object.keys(params).some((key) => key !== 'metadata' && key !== 'cancellation_details' && key !== 'expand');
    if (subscription.status === 'canceled' && changesBilling) {
      throw unexpectedState('resource_missing', 'A canceled subscription can only update its cancellation_details and metadata.');
    }
    subscription.metadata = mergeMetadata(subscription.metadata, params.metadata);
    const description = nullableString(params, 'description');
    if (description !== undefined) subscription.description = description;
    const atPeriodEnd = boolParam(params, 'cancel_at_period_end');
    if (atPeriodEnd !== undefined) {
      subscription.cancel_at_period_end = atPeriodEnd;
      subscription.cancel_at = atPeriodEnd ? (subscription.items.data[0]?.current_period_end ?? null) : null;
    }
    const method = nullableString(params, 'default_payment_method');
    if (method !== undefined) {
      subscription.default_payment_method =
        method === null ? null : resolvePaymentMethod(context, method, subscription.customer, 'default_payment_method').id;
    }
    if (params.pause_collection !== undefined) {
      // Pausing collection keeps the status; only POST /pause moves a subscription to `paused`.
      if (params.pause_collection === '') {
        subscription.pause_collection = null;
      } else {
        const pause = params.pause_collection as Params;
        const behavior = stringParam(pause, 'behavior', true);
        if (!['keep_as_draft', 'mark_uncollectible', 'void'].includes(behavior)) {
          throw invalidRequest('Invalid pause_collection[behavior]', { param: 'pause_collection[behavior]' });
        }
        subscription.pause_collection = { behavior, resumes_at: intParam(pause, 'resumes_at') ?? null };
      }
    }
    arrayParam(params.items).forEach((raw, index) => {
      const fields = (raw ?? {}) as Params;
      const itemId = stringParam(fields, 'id');
      const quantity = intParam(fields, 'quantity');
      if (!itemId) {
        const price = priceFrom(fields, `items[${index}]`, subscription.currency);
        subscription.items.data.push(newItem(subscription, price, quantity ?? 1, nowSeconds(context)));
        return;
      }
      const item = subscription.items.data.find((each) => each.id === itemId);
      if (!item) throw noSuch('subscription item', itemId, `items[${index}][id]`);
      if (boolParam(fields, 'deleted')) {
        subscription.items.data = subscription.items.data.filter((each) => each !== item);
        return;
      }
      if (fields.price !== undefined || fields.price_data !== undefined)
        item.price = priceFrom(fields, `items[${index}]`, subscription.currency);
      if (quantity !== undefined) item.quantity = quantity;
    });
    subscription.items.total_count = subscription.items.data.length;
    recordUpdate(subscription, before, requestInfo(res));
    send(res, context, params, subscription);
  });

  router.delete(`${url}/:id`, (req, res) => {
    const params = paramsOf(req);
    const subscription = mustGet(store.subscriptions, String(req.params.id));
    if (subscription.status === 'canceled') {
      throw unexpectedState('resource_missing', `No such subscription: '${subscription.id}' is already canceled.`);
    }
    const now = nowSeconds(context);
    subscription.status = 'canceled';
    subscription.canceled_at = now;
    subscription.ended_at = now;
    const details = (params.cancellation_details ?? {}) as Params;
    subscription.cancellation_details = {
      comment: stringParam(details, 'comment') ?? null,
      feedback: stringParam(details, 'feedback') ?? null,
      reason: 'cancellation_requested',
    };
    context.events.record('customer.subscription.deleted', subscription, requestInfo(res));
    send(res, context, params, subscription);
  });

  router.post(`${url}/:id/pause`, (req, res) => {
    const params = paramsOf(req);
    const subscription = mustGet(store.subscriptions, String(req.params.id));
    if (!PAUSABLE.includes(subscription.status)) {
      throw unexpectedState(
        'subscription_unexpected_state',
        `You cannot pause a subscription with a status of ` + `${subscription.status}.`,
      );
    }
    subscription.status = 'paused';
    context.events.record('customer.subscription.paused', subscription, requestInfo(res));
    send(res, context, params, subscription);
  });

  router.post(`${url}/:id/resume`, (req, res) => {
    const params = paramsOf(req);
    const subscription = mustGet(store.subscriptions, String(req.params.id));
    if (subscription.status !== 'paused') {
      throw unexpectedState(
        'subscription_unexpected_state',
        `You can only resume subscriptions with a status of ` + `paused. This subscription has a status of ${subscription.status}.`,
      );
    }
    const request = requestInfo(res);
    const customer = mustGet(store.customers, subscription.customer, 'customer');
    const anchor = stringParam(params, 'billing_cycle_anchor') ?? 'now';
    let paid = true;
    if (anchor === 'now') {
      // A new period starts now and is invoiced at once, as Stripe does by default.
      const now = nowSeconds(context);
      for (const item of subscription.items.data) {
        item.current_period_start = now;
        item.current_period_end = periodEnd(now, item.price.recurring?.interval ?? 'month');
      }
      subscription.billing_cycle_anchor = now;
      paid = billSubscriptionPeriod(context, subscription, customer, request).paid;
    }
    subscription.status = paid ? 'active' : 'past_due';
    subscription.pause_collection = null;
    context.events.record('customer.subscription.resumed', subscription, request);
    send(res, context, params, subscription);
  });

  return router;
}
