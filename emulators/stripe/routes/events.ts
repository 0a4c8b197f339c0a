import { Router } from 'express';
import type { StripeContext } from '../context.js';
import { listRoute, retrieveRoute } from '../list.js';
import { arrayParam } from '../params.js';
import type { StripeEvent } from '../types.js';

/** `invoice.*` matches every invoice event, as Stripe's `type` filter allows. */
function typeMatches(event: StripeEvent, pattern: unknown): boolean {
  if (typeof pattern !== 'string') return false;
  return pattern.endsWith('*') ? event.type.startsWith(pattern.slice(0, -1)) : event.type === pattern;
}

export function eventRoutes(context: StripeContext): Router {
  const router = Router();
  const url = '/v1/events';
  router.get(
    url,
    listRoute(context, context.store.events, url, {
      type: typeMatches,
      types: (event, value) => arrayParam(value).some((pattern) => typeMatches(event, pattern)),
    }),
  );
  router.get(`${url}/:id`, retrieveRoute(context, context.store.events));
  return router;
}
