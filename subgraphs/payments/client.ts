import Stripe from 'stripe';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
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
  type UpstreamDetail,
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
export type PaymentsClient = {
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
};

export type PaymentsClientOptions = {
  endpoint: StripeEndpoint;
  secretKey: string;
  timeoutMs: number;
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

type WithResponse<T> = T & { lastResponse?: { headers: Record<string, string> } };

export function createPaymentsClient(options: PaymentsClientOptions): PaymentsClient {
  const agentOptions = { keepAlive: true, maxSockets: 32 };
  const httpAgent = options.endpoint.protocol === 'https' ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
  const stripe = new Stripe(options.secretKey, {
    host: options.endpoint.host,
    port: options.endpoint.port,
    protocol: options.endpoint.protocol,
    // Retries belong to the kit's call policy (one place for every vendor), so the SDK's are off.
    maxNetworkRetries: 0,
    timeout: options.timeoutMs,
    telemetry: false,
    httpAgent,
  });

  /** One read: errors translated. */
  async function read<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw toPaymentsError(error);
    }
  }

  /** One write under an idempotency key: errors translated with the mutation's field names, replays noticed. */
  async function write<T>(idempotencyKey: string, fields: FieldMap, run: (requestOptions: Stripe.RequestOptions) => Promise<WithResponse<T>>): Promise<WriteResult<T>> {
    try {
      const object = await run({ idempotencyKey });
      return { object, idempotencyKey, replayed: object.lastResponse?.headers['idempotent-replayed'] === 'true' };
    } catch (error) {
      throw toPaymentsError(error, fields);
    }
  }

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

  return {
    searchCustomers: (query, next) =>
      read(async () => {
        const result = await stripe.customers.search(searchParams(query, next, ['data.subscriptions', 'data.invoice_settings.default_payment_method']));
        return page<StripeCustomer>(result);
      }),
    searchInvoices: (query, next) => read(async () => page<StripeInvoice>(await stripe.invoices.search(searchParams(query, next)))),
    searchPaymentIntents: (query, next) => read(async () => page<StripePaymentIntent>(await stripe.paymentIntents.search(searchParams(query, next)))),
    searchCharges: (query, next) => read(async () => page<StripeCharge>(await stripe.charges.search(searchParams(query, next, ['data.refunds'])))),
    listSubscriptions: (customer, { all }) =>
      read(async () => page<StripeSubscription>(await stripe.subscriptions.list({ customer, limit: MAX_STRIPE_PAGE, ...(all ? { status: 'all' as const } : {}) }))),
    retrieveSubscription: (id) => read(() => stripe.subscriptions.retrieve(id)),

    createPaymentIntent: (params, key, fields) => write(key, fields, (requestOptions) => stripe.paymentIntents.create(params, requestOptions)),
    confirmPaymentIntent: (id, params, key, fields) => write(key, fields, (requestOptions) => stripe.paymentIntents.confirm(id, params, requestOptions)),
    capturePaymentIntent: (id, params, key, fields) => write(key, fields, (requestOptions) => stripe.paymentIntents.capture(id, params, requestOptions)),
    cancelPaymentIntent: (id, params, key, fields) => write(key, fields, (requestOptions) => stripe.paymentIntents.cancel(id, params, requestOptions)),
    createRefund: (params, key, fields) => write(key, fields, (requestOptions) => stripe.refunds.create(params, requestOptions)),
    cancelSubscription: (id, key, fields) => write(key, fields, (requestOptions) => stripe.subscriptions.cancel(id, {}, requestOptions)),
    updateSubscription: (id, params, key, fields) => write(key, fields, (requestOptions) => stripe.subscriptions.update(id, params, requestOptions)),
    pauseSubscription: (id, key, fields) => write(key, fields, (requestOptions) => stripe.subscriptions.pause(id, {}, requestOptions)),
  };
}
