// Mixpanel's errors: the one place what a Mixpanel call failed with is read, both to decide whether to repeat
// it (classifyMixpanel, for the call policy) and to turn it into our error classes (toMixpanelError).
import {
  InterchangeError,
  UpstreamError,
  UpstreamRateLimitedError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
  parseRetryAfter,
  type Failure,
  type UpstreamDetail,
  type VendorErrors,
} from '../kit/index.js';

const VENDOR = 'mixpanel';

/** A non-2xx answer from Mixpanel, before translation. */
export class MixpanelHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    readonly retryAfter: string | null,
  ) {
    super(`Mixpanel answered ${status}`);
    this.name = 'MixpanelHttpError';
  }
}

/** A 200 export whose body was cut short (its last line is not a whole event): the data would be silently incomplete. */
export class MixpanelTruncatedError extends Error {
  constructor(readonly body: string) {
    super('Mixpanel answered an export whose last line is cut short');
    this.name = 'MixpanelTruncatedError';
  }
}

/** Mixpanel's error bodies: `{error, status}` from the query APIs, `{code, error, status}` from ingestion. */
function errorMessage(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    return typeof parsed.error === 'string' ? parsed.error : undefined;
  } catch {
    return body.trim() === '' ? undefined : body.slice(0, 200);
  }
}

/**
 * Turns what a Mixpanel call threw into our error classes, keeping status and body for the log.
 * The one place Mixpanel errors are read.
 */
export function toMixpanelError(error: unknown): InterchangeError {
  if (error instanceof InterchangeError) return error;
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return new UpstreamTimeoutError(VENDOR, { cause: error.message });
  }
  if (error instanceof MixpanelTruncatedError)
    return new UpstreamUnavailableError(VENDOR, { status: 200, body: error.body.slice(0, 2000), cause: error.message });
  if (!(error instanceof MixpanelHttpError)) {
    // No HTTP response at all: refused, reset, DNS, TLS. undici puts the system error in `cause`.
    const cause =
      error instanceof Error ? (error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message) : String(error);
    return new UpstreamUnavailableError(VENDOR, { cause });
  }
  const detail: UpstreamDetail = { status: error.status, body: error.body.slice(0, 2000) };
  if (error.status === 429) {
    const header = Number(error.retryAfter);
    // Mixpanel sends Retry-After with its 429s; without one, a minute is a fair guess for its hourly quotas.
    return new UpstreamRateLimitedError(VENDOR, Number.isFinite(header) && header > 0 ? Math.ceil(header) : 60, detail);
  }
  if (error.status >= 500) return new UpstreamUnavailableError(VENDOR, detail);
  if (error.status === 401 || error.status === 403) {
    return new UpstreamError(
      VENDOR,
      'Mixpanel refused our credentials; check the analytics configuration (service account and project id).',
      detail,
    );
  }
  // Any other 4xx means we built a request Mixpanel does not take: our mistake, not the caller's.
  return new UpstreamError(VENDOR, `Mixpanel refused the request: ${errorMessage(error.body) ?? `HTTP ${error.status}`}`, detail);
}

/**
 * What the call policy needs to know about a failed Mixpanel call (see kit/policy/README.md). Pure; one test per
 * rule in test/subgraphs/analytics/errors.test.ts.
 */
export function classifyMixpanel(error: unknown): Failure {
  // Our own typed errors say nothing about Mixpanel's health and repeating the call would not change them.
  if (error instanceof InterchangeError) return { retryable: false, countsForBreaker: false };
  // A cut-short export: Mixpanel (or something on the way) is unwell; another attempt may be whole.
  if (error instanceof MixpanelTruncatedError) return { retryable: true, status: 200, countsForBreaker: true };
  // No HTTP response at all (refused, reset, a body that stopped coming): Mixpanel may be down.
  if (!(error instanceof MixpanelHttpError)) return { retryable: true, countsForBreaker: true };
  const status = error.status;
  if (status === 429) {
    // Mixpanel sends Retry-After with its 429s; without one, a second is the shortest of its windows.
    return { retryable: true, status, retryAfterMs: parseRetryAfter(error.retryAfter) ?? 1000, countsForBreaker: false };
  }
  // Mixpanel's own failure: another attempt may succeed, and it counts toward opening the circuit.
  if (status >= 500) {
    const retryAfterMs = parseRetryAfter(error.retryAfter);
    return { retryable: true, status, ...(retryAfterMs === undefined ? {} : { retryAfterMs }), countsForBreaker: true };
  }
  // Any other 4xx is about our request (credentials, a bad `where`): final, and Mixpanel is well.
  return { retryable: false, status, countsForBreaker: false };
}

/** Everything the kit's vendor client needs to know about Mixpanel's failures. */
export const MIXPANEL: VendorErrors = { upstream: VENDOR, classify: classifyMixpanel, translate: toMixpanelError };
