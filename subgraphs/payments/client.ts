import Stripe from 'stripe';
import {
  BadUserInputError,
  ConflictError,
  InterchangeError,
  NotFoundError,
  PaymentDeclinedError,
  UpstreamError,
  UpstreamRateLimitedError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
  createAbortableAgent,
  createCallPolicy,
  parseRetryAfter,
  type Failure,
  type UpstreamDetail,
  type PolicyClientOptions,
  type VendorClient,
} from '../kit/index.js';
import type { StripeEndpoint } from './config.js';
import type {
  StripeCharge,
  StripeCustomer,
  StripeInvoice,
  StripePaymentIntent,
  StripeRefund,
  StripeSubscription,
} from './mapping.js';

const VENDOR = 'stripe';

/** Stripe serves at most 100 rows per list or search page. */
export const MAX_STRIPE_PAGE = 100;

export type SearchPage<T> = { data: T[]; hasMore: boolean; nextPage: string | null };

/** A write's result: the object, the key it was sent with, and whether Stripe replayed an earlier answer. */
export type WriteResult<T> = { object: T; idempotencyKey: string; replayed: boolean };

/**
 * Schema input paths by Stripe parameter name, per mutation: a Stripe error naming `amount` becomes
 * BAD_USER_INPUT naming `input.amount`.
 */
export type FieldMap = Readonly<Record<string, string>>;

/** The Stripe calls the payments subgraph makes. Searches expand what the schema shows without another call. */
export interface PaymentsClient extends VendorClient<PaymentsClient> {
  /** Customers matching a search query, with their current subscriptions and default payment method expanded. */
  searchCustomers(query: string, page?: string): Promise<SearchPage<StripeCustomer>>;
  searchInvoices(query: string, page?: string): Promise<SearchPage<StripeInvoice>>;
  searchPaymentIntents(query: string, page?: string): Promise<SearchPage<StripePaymentIntent>>;
  /** Charges with their refunds expanded. */
  searchCharges(query: string, page?: string): Promise<SearchPage<StripeCharge>>;
  /** One customer's subscriptions, newest first, canceled ones included with `all` (one page of up to 100). */
  listSubscriptions(customerId: string, options: { all: boolean }): Promise<SearchPage<StripeSubscription>>;
  retrieveSubscription(id: string): Promise<StripeSubscription>;
  createPaymentIntent(params: Stripe.PaymentIntentCreateParams, idempotencyKey: string, fields: FieldMap): Promise<WriteResult<StripePaymentIntent>>;
  confirmPaymentIntent(id: string, params: Stripe.PaymentIntentConfirmParams, idempotencyKey: string, fields: FieldMap): Promise<WriteResult<StripePaymentIntent>>;
  capturePaymentIntent(id: string, params: Stripe.PaymentIntentCaptureParams, idempotencyKey: string, fields: FieldMap): Promise<WriteResult<StripePaymentIntent>>;
  cancelPaymentIntent(id: string, params: Stripe.PaymentIntentCancelParams, idempotencyKey: string, fields: FieldMap): Promise<WriteResult<StripePaymentIntent>>;
  createRefund(params: Stripe.RefundCreateParams, idempotencyKey: string, fields: FieldMap): Promise<WriteResult<StripeRefund>>;
  /** DELETE /v1/subscriptions/{id}: ends it now. */
  cancelSubscription(id: string, idempotencyKey: string, fields: FieldMap): Promise<WriteResult<StripeSubscription>>;
  updateSubscription(id: string, params: Stripe.SubscriptionUpdateParams, idempotencyKey: string, fields: FieldMap): Promise<WriteResult<StripeSubscription>>;
  pauseSubscription(id: string, idempotencyKey: string, fields: FieldMap): Promise<WriteResult<StripeSubscription>>;
}

/** Quota buckets: `default` for every call. */
export type PaymentsClientOptions = PolicyClientOptions & {
  endpoint: StripeEndpoint;
  secretKey: string;
};

/** The raw error body as Stripe sent it, without the headers the SDK attaches to it. */
function rawBody(error: Stripe.errors.StripeError): string {
  const { headers: _headers, ...raw } = (error.raw ?? {}) as Record<string, unknown>;
  try {
    return JSON.stringify(raw).slice(0, 2000);
  } catch {
    return String(error.message);
  }
}

/** "No such charge: 'ch_123'" -> ['charge', 'ch_123']. */
function missingResource(message: string): [string, string] | undefined {
  const match = message.match(/No such ([\w ]+?): '([^']*)'/);
  return match ? [match[1]!, match[2]!] : undefined;
}

/** Codes Stripe uses when the object's state, not the input, forbids the operation. */
const STATE_CODES = /unexpected_state$|^charge_already_(refunded|captured)$|^invoice_already_paid$/;

/**
 * Turns whatever the SDK threw into our error classes, keeping status, Stripe's request id and the raw body for
 * the log. The one place Stripe errors are read. `fields` maps Stripe parameter names to the schema's input
 * paths of the mutation that made the call.
 */
export function toPaymentsError(error: unknown, fields: FieldMap = {}): InterchangeError {
  if (error instanceof InterchangeError) return error;
  if (!(error instanceof Stripe.errors.StripeError)) {
    // Not from the SDK's HTTP path at all (a bug, or a failure before any request): treat as unreachable.
    return new UpstreamUnavailableError(VENDOR, { cause: error instanceof Error ? error.message : String(error) });
  }
  const detail: UpstreamDetail = {
    status: error.statusCode,
    vendorRequestId: error.requestId,
    body: rawBody(error),
    cause: error.message,
  };
  const options = { upstream: VENDOR, detail };
  const field = error.param ? (fields[error.param] ?? error.param) : undefined;

  if (error instanceof Stripe.errors.StripeConnectionError) {
    // No response: refused, reset, DNS, TLS, or our own timeout (the SDK's ETIMEDOUT).
    const cause = (error.detail as { code?: string } | undefined)?.code;
    return cause === 'ETIMEDOUT' || /timeout/i.test(error.message)
      ? new UpstreamTimeoutError(VENDOR, detail)
      : new UpstreamUnavailableError(VENDOR, detail);
  }
  if (error instanceof Stripe.errors.StripeCardError) {
    const raw = error.raw as { payment_intent?: { id?: string } } | undefined;
    return new PaymentDeclinedError(error.message, error.decline_code ?? error.code, {
      ...options,
      extensions: {
        ...(error.code ? { reason: error.code } : {}),
        ...(raw?.payment_intent?.id ? { paymentIntentId: raw.payment_intent.id } : {}),
        ...(error.charge ? { chargeId: error.charge } : {}),
      },
    });
  }
  if (error instanceof Stripe.errors.StripeRateLimitError) {
    const header = Number(error.headers?.['retry-after']);
    // Stripe sends no Retry-After on 429; its limits are per second, so a second is the honest hint.
    return new UpstreamRateLimitedError(VENDOR, Number.isFinite(header) && header > 0 ? header : 1, detail);
  }
  if (error instanceof Stripe.errors.StripeIdempotencyError) {
    return new ConflictError('This idempotency key was already used with different input; use a new key for a different request.', {
      ...options,
      extensions: { field: 'input.idempotencyKey' },
    });
  }
  if (error instanceof Stripe.errors.StripeInvalidRequestError) {
    if (error.code === 'resource_missing') {
      const [what, id] = missingResource(error.message) ?? ['Stripe object', field ?? 'id'];
      return new NotFoundError(what, id, { ...options, ...(field && field !== 'id' ? { extensions: { field } } : {}) });
    }
    if (error.code && STATE_CODES.test(error.code)) return new ConflictError(error.message, { ...options, extensions: { reason: error.code } });
    return new BadUserInputError(error.message, field, options);
  }
  if (error instanceof Stripe.errors.StripeAuthenticationError || error instanceof Stripe.errors.StripePermissionError) {
    return new UpstreamError(VENDOR, 'Stripe refused our credentials; check STRIPE_SECRET_KEY.', detail);
  }
  // A concurrent request with the same idempotency key is still running (the SDK retries these only when its
  // own retries are on, and ours are off).
  if (error.statusCode === 409) {
    return new ConflictError('A request with this idempotency key is still in progress; retry shortly.', { ...options, extensions: { reason: error.code } });
  }
  if (error.statusCode === undefined || error.statusCode >= 500) return new UpstreamUnavailableError(VENDOR, detail);
  return new UpstreamError(VENDOR, error.message || `Stripe answered ${error.statusCode}`, detail);
}

/** Stripe's explicit verdict on repeating a request, from the `Stripe-Should-Retry` header; undefined when absent. */
function shouldRetryHeaderOf(error: Stripe.errors.StripeError): boolean | undefined {
  const value = (error.headers as Record<string, string | undefined> | undefined)?.['stripe-should-retry'];
  return value === 'true' ? true : value === 'false' ? false : undefined;
}

/**
 * What the call policy needs to know about a failed Stripe call (see kit/policy/README.md); the rules are the
 * SDK's own retry rules, which are off. Pure; one test per rule in test/subgraphs/payments/classify.test.ts.
 */
export function classifyStripe(error: unknown): Failure {
  // Our own typed errors say nothing about Stripe's health and repeating the call would not change them.
  if (error instanceof InterchangeError) return { retryable: false, countsForBreaker: false };
  // Not from the SDK's HTTP path: the request may not have been sent at all; treat as unreachable.
  if (!(error instanceof Stripe.errors.StripeError)) return { retryable: true, countsForBreaker: true };
  const verdict = shouldRetryHeaderOf(error);
  const withVerdict = verdict === undefined ? {} : { shouldRetryHeader: verdict };
  // No response (refused, reset, the SDK's timeout): Stripe may be down; the idempotency key makes writes safe to repeat.
  if (error instanceof Stripe.errors.StripeConnectionError) return { retryable: true, countsForBreaker: true, ...withVerdict };
  const status = error.statusCode;
  if (status === 429) {
    // Stripe sends no Retry-After on 429; its limits are per second, so a second is the honest wait.
    const retryAfterMs = parseRetryAfter((error.headers as Record<string, string | undefined> | undefined)?.['retry-after']) ?? 1000;
    return { retryable: true, status, retryAfterMs, countsForBreaker: false, ...withVerdict };
  }
  // A concurrent request with the same idempotency key is still running: repeat only when Stripe says so.
  if (status === 409) return { retryable: false, status, countsForBreaker: false, ...withVerdict };
  // 5xx, or an answer without a status (a body that is not JSON): Stripe's failure, worth another attempt.
  if (status === undefined || status >= 500) return { retryable: true, ...(status === undefined ? {} : { status }), countsForBreaker: true, ...withVerdict };
  // Any other 4xx is about our request (card declined, bad parameter, auth): final, and Stripe is well.
  return { retryable: false, status, countsForBreaker: false, ...withVerdict };
}

type WithResponse<T> = T & { lastResponse?: { headers: Record<string, string> } };

export function createPaymentsClient(options: PaymentsClientOptions): PaymentsClient {
  // At least the bulkhead's limit, so every attempt the bulkhead admits has a socket.
  const pool = createAbortableAgent({ https: options.endpoint.protocol === 'https', maxSockets: Math.max(32, options.policy.bulkhead.limit) });
  const stripe = new Stripe(options.secretKey, {
    host: options.endpoint.host,
    port: options.endpoint.port,
    protocol: options.endpoint.protocol,
    // Retries belong to the kit's call policy (one place for every vendor), so the SDK's are off.
    maxNetworkRetries: 0,
    // A backstop a little after the policy's own timeout, which aborts the socket first (pool.bind).
    timeout: options.policy.timeoutMs + 1000,
    telemetry: false,
    httpAgent: pool.agent,
  });
  // One policy for every call to Stripe from this process: breaker, bulkhead and quota must see them all.
  const policy = createCallPolicy({
    upstream: VENDOR,
    classify: classifyStripe,
    translate: (error) => toPaymentsError(error),
    ...options.policy,
    quota: options.quota,
    ...(options.redis ? { redis: options.redis } : {}),
    observer: options.observer,
  });

  const page = <T>(result: { data: T[]; has_more: boolean; next_page?: string | null }): SearchPage<T> => ({
    data: result.data,
    hasMore: result.has_more,
    nextPage: result.next_page ?? null,
  });
  const searchParams = (query: string, next: string | undefined, expand: string[] = []) => ({
    query,
    limit: MAX_STRIPE_PAGE,
    ...(next ? { page: next } : {}),
    ...(expand.length > 0 ? { expand } : {}),
  });

  /** The client for one request: every call goes through the policy with that request's deadline. */
  const bind = (deadline: number | undefined): PaymentsClient => {
    /** One read. */
    const read = <T>(operation: string, run: () => Promise<T>): Promise<T> =>
      policy.execute({ kind: 'read', operation, deadline, run: (signal) => pool.bind(signal, run) });

    /**
     * One write under ONE idempotency key, made by the resolver from the input before the call: every attempt
     * sends the same key, so Stripe applies the write at most once and a retry gets the first answer back.
     * Errors are translated with the mutation's field names, replays noticed.
     */
    const write = async <T>(operation: string, idempotencyKey: string, fields: FieldMap, run: (requestOptions: Stripe.RequestOptions) => Promise<WithResponse<T>>): Promise<WriteResult<T>> => {
      const object = await policy.execute({
        kind: 'write',
        operation,
        idempotent: true,
        deadline,
        translate: (error) => toPaymentsError(error, fields),
        run: (signal) => pool.bind(signal, () => run({ idempotencyKey })),
      });
      return { object, idempotencyKey, replayed: object.lastResponse?.headers['idempotent-replayed'] === 'true' };
    };

    return {
      searchCustomers: (query, next) =>
        read('customers.search', async () => {
          const result = await stripe.customers.search(searchParams(query, next, ['data.subscriptions', 'data.invoice_settings.default_payment_method']));
          return page<StripeCustomer>(result);
        }),
      searchInvoices: (query, next) => read('invoices.search', async () => page<StripeInvoice>(await stripe.invoices.search(searchParams(query, next)))),
      searchPaymentIntents: (query, next) => read('payment_intents.search', async () => page<StripePaymentIntent>(await stripe.paymentIntents.search(searchParams(query, next)))),
      searchCharges: (query, next) => read('charges.search', async () => page<StripeCharge>(await stripe.charges.search(searchParams(query, next, ['data.refunds'])))),
      listSubscriptions: (customer, { all }) =>
        read('subscriptions.list', async () => page<StripeSubscription>(await stripe.subscriptions.list({ customer, limit: MAX_STRIPE_PAGE, ...(all ? { status: 'all' as const } : {}) }))),
      retrieveSubscription: (id) => read('subscriptions.retrieve', () => stripe.subscriptions.retrieve(id)),

      createPaymentIntent: (params, key, fields) => write('payment_intents.create', key, fields, (requestOptions) => stripe.paymentIntents.create(params, requestOptions)),
      confirmPaymentIntent: (id, params, key, fields) => write('payment_intents.confirm', key, fields, (requestOptions) => stripe.paymentIntents.confirm(id, params, requestOptions)),
      capturePaymentIntent: (id, params, key, fields) => write('payment_intents.capture', key, fields, (requestOptions) => stripe.paymentIntents.capture(id, params, requestOptions)),
      cancelPaymentIntent: (id, params, key, fields) => write('payment_intents.cancel', key, fields, (requestOptions) => stripe.paymentIntents.cancel(id, params, requestOptions)),
      createRefund: (params, key, fields) => write('refunds.create', key, fields, (requestOptions) => stripe.refunds.create(params, requestOptions)),
      cancelSubscription: (id, key, fields) => write('subscriptions.cancel', key, fields, (requestOptions) => stripe.subscriptions.cancel(id, {}, requestOptions)),
      updateSubscription: (id, params, key, fields) => write('subscriptions.update', key, fields, (requestOptions) => stripe.subscriptions.update(id, params, requestOptions)),
      pauseSubscription: (id, key, fields) => write('subscriptions.pause', key, fields, (requestOptions) => stripe.subscriptions.pause(id, {}, requestOptions)),

      withDeadline: bind,
      upstreamState: () => policy.state(),
      close() {
        policy.dispose();
        pool.close();
      },
    };
  };
  return bind(undefined);
}
