import express from 'express';
import { createEmulatorApp, toEmulator, type Emulator, type FaultRule } from '../shared/server.js';
import { DEFAULT_SEED } from '../shared/people.js';
import { stripeErrorHandler, unrecognizedUrl } from './app-errors.js';
import { authenticate } from './auth.js';
import type { StripeContext } from './context.js';
import { createEventLog, type EventListener } from './events.js';
import { idempotency } from './idempotency.js';
import { createIdGenerator } from './ids.js';
import { createIncludables } from './includables.js';
import { knownParams } from './known-params.js';
import { rateLimit, SEARCH_REQUESTS_PER_SECOND } from './rate-limit.js';
import { invoiceItemRoutes } from './routes/invoice-items.js';
import { catalogRoutes } from './routes/catalog.js';
import { chargeRoutes } from './routes/charges.js';
import { customerRoutes } from './routes/customers.js';
import { eventRoutes } from './routes/events.js';
import { invoiceRoutes } from './routes/invoices.js';
import { paymentIntentRoutes } from './routes/payment-intents.js';
import { refundRoutes } from './routes/refunds.js';
import { subscriptionRoutes } from './routes/subscriptions.js';
import { seedStore, type SeedSummary } from './seed.js';
import { createStore, type Store } from './store.js';
import { createStripeWebhooks, type StripeWebhooks } from './webhooks.js';
import type { DeliveryOptions } from '../shared/delivery.js';

export { MAX_SEARCH_CLAUSES, MIN_SUBSTRING_LENGTH } from './search.js';
export { MAX_EXPAND_DEPTH } from './expand.js';
export { SEED_NOW, type SeedSummary } from './seed.js';
export { TEST_PAYMENT_METHODS, DECLINING_CARDS } from './payments.js';
export type { EventListener } from './events.js';
export type { Store } from './store.js';
export type * from './types.js';

/** The API version the SDK (stripe 23.1.0) pins; stamped on events. */
export const STRIPE_API_VERSION = '2026-10-28.endive';
export const DEFAULT_STRIPE_PORT = 4102;
/** The emulator's default search indexing lag. */
export const DEFAULT_SEARCH_LAG_MS = 5_000;

export type StripeEmulatorOptions = {
  /** Seed for ids and seeded data; default DEFAULT_SEED (42) from emulators/shared/people. */
  seed?: number;
  /** The emulator's time in ms since epoch (created stamps, idempotency expiry, rate windows); default Date.now. */
  clock?: () => number;
  /** Secret keys that authenticate; default `['sk_test_emulator']`. */
  apiKeys?: readonly string[];
  /**
   * Requests per second per API key before a 429; 0 disables the limit; default Stripe's for the key's mode:
   * 25 for test keys (sk_test_, rk_test_), 100 for live keys.
   */
  rateLimitPerSecond?: number;
  /** Search requests per second per API key (Stripe's per-endpoint limit); 0 disables it; default 20. */
  searchRateLimitPerSecond?: number;
  /**
   * How long a new object stays invisible to `/search` (Stripe's search is eventually consistent, typically
   * under a minute); default DEFAULT_SEARCH_LAG_MS (5 s). 0 makes search instant: a test that needs that says so.
   */
  searchLagMs?: number;
  /** Whether to fill the store from the shared people list; default true. */
  seedData?: boolean;
  /** Fault rules in force from the start (see emulators/shared/faults.ts); default none. */
  faults?: readonly FaultRule[];
  /** Webhook delivery: retry schedule, timeout, injected duplicates and delays; default Stripe-like (compressed). */
  webhooks?: DeliveryOptions;
};

export type StripeEmulator = Emulator & {
  /** Calls `listener` with every event recorded from now on; returns the unsubscribe function. */
  onEvent(listener: EventListener): () => void;
  /** The live in-memory state, for tests that need seeded ids; treat as read-only. */
  readonly store: Store;
  /** How many objects of each kind the seed made. */
  readonly seeded: SeedSummary;
  /** Webhook endpoints and their deliveries. */
  readonly webhooks: StripeWebhooks;
};

export function createStripeEmulator(options: StripeEmulatorOptions = {}): StripeEmulator {
  const seed = options.seed ?? DEFAULT_SEED;
  const clock = options.clock ?? Date.now;
  const store = createStore();
  const newId = createIdGenerator(seed);
  // Request ids come from their own sequence so that reading data never shifts the ids of objects made later.
  const newRequestId = createIdGenerator(seed + 0x9e3779b9, false);
  const events = createEventLog(store, newId, clock, STRIPE_API_VERSION);
  const context: StripeContext = {
    store,
    newId,
    clock,
    events,
    apiVersion: STRIPE_API_VERSION,
    includables: createIncludables(store),
    searchLagMs: options.searchLagMs ?? DEFAULT_SEARCH_LAG_MS,
  };
  const empty: SeedSummary = {
    customers: 0,
    payment_intents: 0,
    charges: 0,
    refunds: 0,
    invoices: 0,
    subscriptions: 0,
    prices: 0,
    products: 0,
  };
  const seeded = options.seedData === false ? empty : seedStore(store, newId, seed);

  const { app, requests } = createEmulatorApp({
    name: 'stripe',
    faults: options.faults,
    faultBody: stripeFaultBody,
    admin: (router) => {
      router.get('/seed', (_req, res) => {
        res.json({ seed, ...seeded });
      });
      router.get('/events', (_req, res) => {
        res.json({ events: store.events.all() });
      });
    },
  });

  app.use((req, res, next) => {
    const requestId = newRequestId('req');
    res.locals.requestId = requestId;
    res.setHeader('Request-Id', requestId);
    res.setHeader('Stripe-Version', req.get('stripe-version') ?? STRIPE_API_VERSION);
    next();
  });
  app.use(authenticate(options.apiKeys ?? ['sk_test_emulator']));
  app.use(
    rateLimit(
      { perSecond: options.rateLimitPerSecond, searchPerSecond: options.searchRateLimitPerSecond ?? SEARCH_REQUESTS_PER_SECOND },
      clock,
    ),
  );
  app.use(express.urlencoded({ extended: true, limit: '1mb' }));
  app.use(knownParams());
  const idempotencyKeys = idempotency(clock);
  app.use(idempotencyKeys);
  app.use(customerRoutes(context));
  app.use(paymentIntentRoutes(context));
  app.use(chargeRoutes(context));
  app.use(refundRoutes(context));
  app.use(invoiceRoutes(context));
  app.use(invoiceItemRoutes(context));
  app.use(subscriptionRoutes(context));
  app.use(eventRoutes(context));
  app.use(catalogRoutes(context));
  const webhooks = createStripeWebhooks(context, options.webhooks);
  app.use(webhooks.routes);
  app.use(unrecognizedUrl);
  app.use(stripeErrorHandler);

  const emulator = toEmulator('stripe', app, requests, () => ({
    idempotencyKeys: idempotencyKeys.size(),
    deliveryAttempts: webhooks.deliverer.attempts.length,
  }));
  const close = emulator.close;
  return Object.assign(emulator, {
    onEvent: events.onEvent,
    store,
    seeded,
    webhooks,
    close: async () => {
      webhooks.close();
      await close();
    },
  });
}

/**
 * Injected faults in Stripe's error shape, so the SDK raises the error class it raises for Stripe's own: 5xx as
 * `api_error`, 429 as the rate limit, other 4xx as `invalid_request_error`; a cut-short 200 is a list.
 */
function stripeFaultBody(status: number): { contentType: string; body: string } {
  const contentType = 'application/json';
  if (status === 200)
    return {
      contentType,
      body: JSON.stringify({ object: 'list', url: '/v1/customers', has_more: false, data: [{ id: 'cus_fault', object: 'customer' }] }),
    };
  const error =
    status >= 500
      ? { type: 'api_error', message: `fault injected by the stripe emulator (HTTP ${status})` }
      : status === 429
        ? {
            type: 'invalid_request_error',
            code: 'rate_limit',
            message: 'Too many requests hit the API too quickly. We recommend an exponential backoff of your requests.',
          }
        : { type: 'invalid_request_error', message: `fault injected by the stripe emulator (HTTP ${status})` };
  return { contentType, body: JSON.stringify({ error }) };
}
