import { Router } from 'express';
import { requestInfo, type StripeContext } from '../context.js';
import { previousAttributes } from '../events.js';
import { invalidRequest, unexpectedState } from '../errors.js';
import { listRoute, mustGet, retrieveRoute, send } from '../list.js';
import { intParam, mergeMetadata, paramsOf, stringParam } from '../params.js';
import { refundCharge } from '../payments.js';

const REASONS = ['duplicate', 'fraudulent', 'requested_by_customer'];

export function refundRoutes(context: StripeContext): Router {
  const { store } = context;
  const router = Router();
  const url = '/v1/refunds';

  router.post(url, (req, res) => {
    const params = paramsOf(req);
    const chargeId = stringParam(params, 'charge');
    const intentId = stringParam(params, 'payment_intent');
    if (!chargeId && !intentId) {
      throw invalidRequest('One of the following params should be provided for this request: payment_intent or charge.');
    }
    let charge = chargeId ? mustGet(store.charges, chargeId, 'charge') : undefined;
    if (!charge) {
      const intent = mustGet(store.payment_intents, intentId!, 'payment_intent');
      charge = intent.latest_charge ? store.charges.get(intent.latest_charge) : undefined;
      if (!charge || intent.status !== 'succeeded') {
        throw unexpectedState(
          'charge_not_refundable',
          `This PaymentIntent (${intent.id}) does not have a successful ` + 'charge to refund.',
        );
      }
    }
    const reason = stringParam(params, 'reason');
    if (reason !== undefined && !REASONS.includes(reason)) {
      throw invalidRequest(`Invalid reason: must be one of ${REASONS.join(', ')}`, { param: 'reason' });
    }
    const amount = intParam(params, 'amount');
    const refund = refundCharge(context, charge, { amount, reason, metadata: mergeMetadata({}, params.metadata) }, requestInfo(res));
    send(res, context, params, refund);
  });

  router.get(
    url,
    listRoute(context, store.refunds, url, {
      charge: (refund, value) => refund.charge === value,
      payment_intent: (refund, value) => refund.payment_intent === value,
    }),
  );
  router.get(`${url}/:id`, retrieveRoute(context, store.refunds));

  router.post(`${url}/:id`, (req, res) => {
    const params = paramsOf(req);
    const refund = mustGet(store.refunds, String(req.params.id));
    const before = structuredClone(refund);
    refund.metadata = mergeMetadata(refund.metadata, params.metadata);
    const previous = previousAttributes(before, refund);
    if (previous) context.events.record('refund.updated', refund, requestInfo(res), previous);
    send(res, context, params, refund);
  });

  // Card refunds settle at once here, so only refunds seeded or left in requires_action could be canceled.
  router.post(`${url}/:id/cancel`, (req, res) => {
    const params = paramsOf(req);
    const refund = mustGet(store.refunds, String(req.params.id));
    if (refund.status !== 'requires_action') {
      throw unexpectedState(
        'refund_unexpected_state',
        `You can't cancel a refund with a status of ${refund.status}. ` + 'Only refunds with a status of requires_action can be canceled.',
      );
    }
    const before = structuredClone(refund);
    refund.status = 'canceled';
    const charge = store.charges.get(refund.charge);
    if (charge) {
      charge.amount_refunded -= refund.amount;
      charge.refunded = false;
    }
    context.events.record('refund.updated', refund, requestInfo(res), previousAttributes(before, refund));
    send(res, context, params, refund);
  });

  return router;
}
