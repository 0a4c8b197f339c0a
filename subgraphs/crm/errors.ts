// HubSpot's errors: the one place what the SDK threw is read, both to decide whether to repeat a call
// (classifyHubSpot, for the call policy) and to turn it into our error classes (toHubSpotError).
import {
  BadUserInputError,
  ConflictError,
  InterchangeError,
  UpstreamError,
  UpstreamRateLimitedError,
  UpstreamUnavailableError,
  parseRetryAfter,
  type Failure,
  type UpstreamDetail,
  type VendorErrors,
} from '../kit/index.js';

const VENDOR = 'hubspot';

export type ApiExceptionLike = { code: number; body: unknown; headers: Record<string, string> };

export function isApiException(error: unknown): error is ApiExceptionLike {
  return typeof error === 'object' && error !== null && typeof (error as ApiExceptionLike).code === 'number' && 'body' in error;
}

export function bodyOf(error: ApiExceptionLike): Record<string, unknown> {
  if (typeof error.body === 'object' && error.body !== null) return error.body as Record<string, unknown>;
  if (typeof error.body === 'string') {
    try {
      return JSON.parse(error.body) as Record<string, unknown>;
    } catch {
      return { message: error.body };
    }
  }
  return {};
}

/** The input field a HubSpot validation error names, as the schema calls it. */
const PROPERTY_FIELDS: Record<string, string> = {
  email: 'email',
  firstname: 'firstName',
  lastname: 'lastName',
  phone: 'phone',
  jobtitle: 'jobTitle',
  city: 'city',
  country: 'country',
  erp_customer_no: 'erpCustomerNumber',
};

/**
 * Turns whatever the SDK threw into our error classes, keeping status, correlation id and body for the log.
 * The one place HubSpot errors are read.
 */
export function toHubSpotError(error: unknown): InterchangeError {
  if (error instanceof InterchangeError) return error;
  if (!isApiException(error)) {
    // No HTTP response at all: refused, reset, DNS, TLS.
    return new UpstreamUnavailableError(VENDOR, { cause: error instanceof Error ? error.message : String(error) });
  }
  const body = bodyOf(error);
  const detail: UpstreamDetail = {
    status: error.code,
    vendorRequestId: typeof body.correlationId === 'string' ? body.correlationId : undefined,
    body: JSON.stringify(body).slice(0, 2000),
  };
  const message = typeof body.message === 'string' ? body.message : `HubSpot answered ${error.code}`;
  const category = body.category;
  if (error.code === 429) {
    // HubSpot sends no Retry-After: the classifier reads its window (ten seconds, or a second for search); the
    // daily quota resets at midnight, so an hour is an honest "not soon".
    const waitMs = classifyHubSpot(error).retryAfterMs;
    const retryAfter = body.policyName === 'DAILY' ? 3600 : Math.max(1, Math.ceil((waitMs ?? TEN_SECONDS_MS) / 1000));
    return new UpstreamRateLimitedError(VENDOR, retryAfter, detail);
  }
  if (error.code >= 500) return new UpstreamUnavailableError(VENDOR, detail);
  if (error.code === 409 || category === 'CONFLICT') return new ConflictError(message, { upstream: VENDOR, detail });
  if (error.code === 400 && category === 'VALIDATION_ERROR') {
    const property = validationProperty(body);
    const field = property ? `input.${PROPERTY_FIELDS[property] ?? property}` : undefined;
    return new BadUserInputError(message, field, { upstream: VENDOR, detail });
  }
  if (error.code === 401 || error.code === 403) {
    return new UpstreamError(VENDOR, 'HubSpot refused our credentials; check the CRM configuration.', detail);
  }
  return new UpstreamError(VENDOR, message, detail);
}

/** The value of a response header, whatever the case the SDK kept it in. */
function headerOf(error: ApiExceptionLike, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(error.headers ?? {})) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

/** HubSpot's ten-secondly window, when the 429 does not say its interval. */
const TEN_SECONDS_MS = 10_000;

/**
 * What the call policy needs to know about a failed HubSpot call (see kit/policy/README.md). Pure; one test per
 * rule in test/subgraphs/crm/errors.test.ts.
 */
export function classifyHubSpot(error: unknown): Failure {
  // Our own typed errors say nothing about HubSpot's health and repeating the call would not change them.
  if (error instanceof InterchangeError) return { retryable: false, countsForBreaker: false };
  // No HTTP response, or one the SDK could not read (refused, reset, cut-short JSON): HubSpot is unwell.
  if (!isApiException(error)) return { retryable: true, countsForBreaker: true };
  const status = error.code;
  if (status === 429) {
    const body = bodyOf(error);
    const message = typeof body.message === 'string' ? body.message : '';
    // The daily quota resets at midnight: no retry within a request can succeed; it surfaces as RATE_LIMITED.
    if (body.policyName === 'DAILY') return { retryable: false, status, countsForBreaker: false };
    const retryAfter = parseRetryAfter(headerOf(error, 'retry-after'));
    // Search's own limit is per second (the SDK keys on the message, which older answers carry without a policy name).
    if (body.policyName === 'SECONDLY' || /secondly limit/i.test(message)) {
      return { retryable: true, status, retryAfterMs: retryAfter ?? 1000, countsForBreaker: false };
    }
    // TEN_SECONDLY_ROLLING (or a policy we do not know): HubSpot sends no Retry-After, but says its window.
    const interval = Number(headerOf(error, 'x-hubspot-ratelimit-interval-milliseconds'));
    const windowMs = Number.isFinite(interval) && interval > 0 ? interval : TEN_SECONDS_MS;
    return { retryable: true, status, retryAfterMs: retryAfter ?? windowMs, countsForBreaker: false };
  }
  // HubSpot's own failure: another attempt may succeed, and it counts toward opening the circuit.
  if (status >= 500) return { retryable: true, status, countsForBreaker: true };
  // Any other 4xx is about our request (validation, auth, not found): final, and HubSpot is well.
  return { retryable: false, status, countsForBreaker: false };
}

function validationProperty(body: Record<string, unknown>): string | undefined {
  const errors = Array.isArray(body.errors) ? (body.errors as Array<Record<string, unknown>>) : [];
  for (const entry of errors) {
    const names = (entry.context as Record<string, unknown> | undefined)?.propertyName;
    if (Array.isArray(names) && typeof names[0] === 'string') return names[0];
  }
  const match = typeof body.message === 'string' ? body.message.match(/Property values were not valid: .*?"name":"([^"]+)"/) : null;
  return match?.[1];
}

/** HubSpot's answer to an access token that has expired (before our clock said so): renew it and send again. */
export function isExpiredToken(error: unknown): boolean {
  return isApiException(error) && error.code === 401 && bodyOf(error).category === 'EXPIRED_AUTHENTICATION';
}

/** Everything the kit's vendor client needs to know about HubSpot's failures. */
export const HUBSPOT: VendorErrors = { upstream: VENDOR, classify: classifyHubSpot, translate: toHubSpotError };
