/**
 * The error codes Interchange puts in `extensions.code`. The gateway shows these to callers as they are and
 * masks every other error as "Unexpected error." Values equal names so logs and clients read the same word.
 */
export enum ErrorCode {
  NOT_FOUND = 'NOT_FOUND',
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  CONFLICT = 'CONFLICT',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  PAYMENT_DECLINED = 'PAYMENT_DECLINED',
  UPSTREAM_UNAVAILABLE = 'UPSTREAM_UNAVAILABLE',
  UPSTREAM_TIMEOUT = 'UPSTREAM_TIMEOUT',
  UPSTREAM_RATE_LIMITED = 'UPSTREAM_RATE_LIMITED',
  UPSTREAM_ERROR = 'UPSTREAM_ERROR',
  CIRCUIT_OPEN = 'CIRCUIT_OPEN',
  /** A webhook delivery whose signature is missing, stale or wrong (answered 400/401, nothing stored). */
  WEBHOOK_SIGNATURE_INVALID = 'WEBHOOK_SIGNATURE_INVALID',
}

/** Codes Apollo Server and the gateway raise themselves that are also safe to show to callers. */
const FRAMEWORK_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

/** Whether an error with this code was raised on purpose and may be shown to the caller as it is. */
export function isDeliberateCode(code: unknown): boolean {
  return typeof code === 'string' && (code in ErrorCode || FRAMEWORK_CODES.has(code));
}
