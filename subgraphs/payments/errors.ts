// Stripe's errors: the one place what the SDK threw is read, both to decide whether to repeat a call
// (classifyStripe, for the call policy; the SDK's own retry rules, whose retries are off) and to turn it into
// our error classes (toStripeError).
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
  parseRetryAfter,
  type Failure,
  type UpstreamDetail,
  type VendorErrors,
} from '../kit/index.js';

const VENDOR = 'stripe';

/**
 * Schema input paths by Stripe parameter name, per mutation: a Stripe error naming `amount` becomes
 * BAD_USER_INPUT naming `input.amount`.
 */
export type FieldMap = Readonly<Record<string, string>>;

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
export function toStripeError(error: unknown, fields: FieldMap = {}): InterchangeError {
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
    if (error.code && STATE_CODES.test(error.code))
      return new ConflictError(error.message, { ...options, extensions: { reason: error.code } });
    return new BadUserInputError(error.message, field, options);
  }
  if (error instanceof Stripe.errors.StripeAuthenticationError || error instanceof Stripe.errors.StripePermissionError) {
    return new UpstreamError(VENDOR, 'Stripe refused our credentials; check STRIPE_SECRET_KEY.', detail);
  }
  // A concurrent request with the same idempotency key is still running (the SDK retries these only when its
  // own retries are on, and ours are off).
  if (error.statusCode === 409) {
    return new ConflictError('A request with this idempotency key is still in progress; retry shortly.', {
      ...options,
      extensions: { reason: error.code },
    });
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
 * SDK's own retry rules, which are off. Pure; one test per rule in test/subgraphs/payments/errors.test.ts.
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
  if (status === undefined || status >= 500)
    return { retryable: true, ...(status === undefined ? {} : { status }), countsForBreaker: true, ...withVerdict };
  // Any other 4xx is about our request (card declined, bad parameter, auth): final, and Stripe is well.
  return { retryable: false, status, countsForBreaker: false, ...withVerdict };
}

/** Everything the kit's vendor client needs to know about Stripe's failures. */
export const STRIPE: VendorErrors = { upstream: VENDOR, classify: classifyStripe, translate: (error) => toStripeError(error) };
