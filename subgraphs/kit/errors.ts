import { GraphQLError } from 'graphql';
import { ErrorCode } from '../../platform/index.js';

export { ErrorCode };

/** What a vendor said, kept for the log and never sent to callers. */
export type UpstreamDetail = {
  /** HTTP status the vendor answered with; absent when no response arrived. */
  status?: number;
  /** The vendor's own request or correlation id, for support tickets. */
  vendorRequestId?: string;
  /** The raw error body (truncated), for the log. */
  body?: string;
  /** The message of the error the client or SDK threw. */
  cause?: string;
};

type ErrorOptions = {
  /** The vendor whose failure this is, e.g. `hubspot`; becomes `extensions.upstream`. */
  upstream?: string;
  /** Extra fields for `extensions`, shown to callers. */
  extensions?: Record<string, unknown>;
  detail?: UpstreamDetail;
};

/**
 * The base of every deliberate error: sets `extensions.code` (and `extensions.upstream` naming the vendor)
 * so the gateway shows it as it is. Anything else is masked by the gateway as "Unexpected error."
 */
export class InterchangeError extends GraphQLError {
  /** For the log only; deliberately not in `extensions`. */
  readonly detail: UpstreamDetail | undefined;

  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    super(message, {
      extensions: {
        code,
        ...(options.upstream ? { upstream: options.upstream } : {}),
        ...options.extensions,
      },
    });
    this.name = new.target.name;
    this.detail = options.detail;
  }
}

/** Raised when an id or key names nothing in the vendor system. */
export class NotFoundError extends InterchangeError {
  constructor(typename: string, key: string, options: ErrorOptions = {}) {
    super(ErrorCode.NOT_FOUND, `${typename} ${key} was not found.`, options);
  }
}

/** Raised when the caller's input is invalid; `field` names the input path, e.g. `input.email`. */
export class BadUserInputError extends InterchangeError {
  constructor(message: string, field?: string, options: ErrorOptions = {}) {
    super(ErrorCode.BAD_USER_INPUT, message, { ...options, extensions: { ...options.extensions, ...(field ? { field } : {}) } });
  }
}

/** Raised when a write would overwrite a change the caller has not seen, or duplicates an existing record. */
export class ConflictError extends InterchangeError {
  constructor(message: string, options: ErrorOptions = {}) {
    super(ErrorCode.CONFLICT, message, options);
  }
}

/** Raised when a payment method was declined; `declineCode` is the processor's reason. */
export class PaymentDeclinedError extends InterchangeError {
  constructor(message: string, declineCode: string | undefined, options: ErrorOptions = {}) {
    super(ErrorCode.PAYMENT_DECLINED, message, { ...options, extensions: { ...options.extensions, declineCode } });
  }
}

/** Raised when the vendor could not be reached (no response) or answered with a server error. */
export class UpstreamUnavailableError extends InterchangeError {
  constructor(upstream: string, detail: UpstreamDetail = {}) {
    super(ErrorCode.UPSTREAM_UNAVAILABLE, `${upstream} is unavailable right now; try again shortly.`, { upstream, detail });
  }
}

/** Raised when a vendor call did not finish within its timeout or the request's deadline. */
export class UpstreamTimeoutError extends InterchangeError {
  constructor(upstream: string, detail: UpstreamDetail = {}) {
    super(ErrorCode.UPSTREAM_TIMEOUT, `${upstream} did not answer in time.`, { upstream, detail });
  }
}

/** Raised when the vendor (or our own quota for it) refuses more calls for now; `retryAfter` is in seconds. */
export class UpstreamRateLimitedError extends InterchangeError {
  constructor(upstream: string, retryAfter: number | undefined, detail: UpstreamDetail = {}) {
    super(ErrorCode.UPSTREAM_RATE_LIMITED, `${upstream} is rate limiting requests; retry later.`, {
      upstream,
      detail,
      extensions: retryAfter === undefined ? {} : { retryAfter },
    });
  }
}

/**
 * Raised when calls to a vendor are paused because it kept failing (its circuit breaker is open): no call was
 * made. `retryAfter` (seconds) is when the next probe call may go through, when known.
 */
export class CircuitOpenError extends InterchangeError {
  constructor(upstream: string, retryAfter: number | undefined, detail: UpstreamDetail = {}) {
    super(ErrorCode.CIRCUIT_OPEN, `${upstream} is failing; calls to it are paused for a moment.`, {
      upstream,
      detail,
      extensions: retryAfter === undefined ? {} : { retryAfter },
    });
  }
}

/** Raised when the vendor answered with an error we have no better class for (e.g. an unexpected 4xx). */
export class UpstreamError extends InterchangeError {
  constructor(upstream: string, message: string, detail: UpstreamDetail = {}) {
    super(ErrorCode.UPSTREAM_ERROR, message, { upstream, detail });
  }
}
