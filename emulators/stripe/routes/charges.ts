import { Router } from 'express';
import { requestInfo, type StripeContext } from '../context.js';
import { previousAttributes } from '../events.js';
import { unexpectedState } from '../errors.js';
import { listRoute, mustGet, retrieveRoute, send } from '../list.js';
import { intParam, mergeMetadata, nullableString, paramsOf } from '../params.js';
import { capturePaymentIntent } from '../payments.js';
import { searchRoute, type SearchFields } from '../search.js';
import type { Charge } from '../types.js';

export const CHARGE_SEARCH_FIELDS: SearchFields<Charge> = {
  amount: { kind: 'number', get: (c) => c.amount },
  created: { kind: 'number', get: (c) => c.created },
  currency: { kind: 'token', get: (c) => c.currency },
  customer: { kind: 'token', get: (c) => c.customer },
  disputed: { kind: 'boolean', get: (c) => c.disputed },
  payment_intent: { kind: 'token', get: (c) => c.payment_intent },
  'payment_method_details.card.last4': {
    kind: 'token',
    get: (c) => (c.payment_method_details as { card?: { last4?: string } } | null)?.card?.last4 ?? null,
  },
  refunded: { kind: 'boolean', get: (c) => c.refunded },
  status: { kind: 'token', get: (c) => c.status },
};

export function chargeRoutes(context: StripeContext): Router {
  const { store } = context;
  const router = Router();
  const url = '/v1/charges';

  router.get(
    url,
    listRoute(context, store.charges, url, {
      customer: (charge, value) => charge.customer === value,
      payment_intent: (charge, value) => charge.payment_intent === value,
    }),
  );
  router.get(`${url}/search`, searchRoute(context, store.charges, `${url}/search`, 'charges', CHARGE_SEARCH_FIELDS));
  router.get(`${url}/:id`, retrieveRoute(context, store.charges));

  router.post(`${url}/:id`, (req, res) => {
    const params = paramsOf(req);
    const charge = mustGet(store.charges, String(req.params.id));
    const before = structuredClone(charge);
    const description = nullableString(params, 'description');
    if (description !== undefined) charge.description = description;
    charge.metadata = mergeMetadata(charge.metadata, params.metadata);
    const previous = previousAttributes(before, charge);
    if (previous) context.events.record('charge.updated', charge, requestInfo(res), previous);
    send(res, context, params, charge);
  });

  // Capturing the charge of a PaymentIntent is capturing the intent; every charge here has one.
  router.post(`${url}/:id/capture`, (req, res) => {
    const params = paramsOf(req);
    const charge = mustGet(store.charges, String(req.params.id));
    const intent = charge.payment_intent ? store.payment_intents.get(charge.payment_intent) : undefined;
    if (charge.captured || !intent) {
      throw unexpectedState('charge_already_captured', `Charge ${charge.id} has already been captured.`);
    }
    capturePaymentIntent(context, intent, intParam(params, 'amount'), requestInfo(res));
    send(res, context, params, charge);
  });

  return router;
}
