import { Router } from 'express';
import type { StripeContext } from '../context.js';
import { listRoute, retrieveRoute } from '../list.js';

/** Read-only prices and products: enough for subscription items and for `expand[]=...price.product`. */
export function catalogRoutes(context: StripeContext): Router {
  const { store } = context;
  const router = Router();
  router.get(
    '/v1/prices',
    listRoute(context, store.prices, '/v1/prices', {
      product: (price, value) => price.product === value,
      currency: (price, value) => price.currency === value,
    }),
  );
  router.get('/v1/prices/:id', retrieveRoute(context, store.prices));
  router.get('/v1/products', listRoute(context, store.products, '/v1/products'));
  router.get('/v1/products/:id', retrieveRoute(context, store.products));
  router.get('/v1/payment_methods/:id', retrieveRoute(context, store.payment_methods));
  return router;
}
