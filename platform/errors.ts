/**
 * The error codes Interchange puts in `extensions.code`, the subgraphs' and the gateway's alike (the gateway's
 * HTTP refusals carry them too). The gateway shows these to callers as they are and masks every other error as
 * "Unexpected error." Values equal names so logs and clients read the same word.
 */
export enum ErrorCode {
  // Raised by the subgraphs (resolvers and vendor translation).
  NOT_FOUND = 'NOT_FOUND',
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  CONFLICT = 'CONFLICT',
  PAYMENT_DECLINED = 'PAYMENT_DECLINED',
  UPSTREAM_UNAVAILABLE = 'UPSTREAM_UNAVAILABLE',
  UPSTREAM_TIMEOUT = 'UPSTREAM_TIMEOUT',
  UPSTREAM_RATE_LIMITED = 'UPSTREAM_RATE_LIMITED',
  UPSTREAM_ERROR = 'UPSTREAM_ERROR',
  CIRCUIT_OPEN = 'CIRCUIT_OPEN',

  // Who is calling (gateway, subgraph signature check).
  /** No valid credentials: unknown API key, bad or expired token, missing signature (HTTP 401). */
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  /** Valid credentials that may not do this: the request is refused as a whole (HTTP 403). */
  FORBIDDEN = 'FORBIDDEN',
  /** A field or type the caller may not see, removed from the operation: null at its path. */
  UNAUTHORIZED_FIELD_OR_TYPE = 'UNAUTHORIZED_FIELD_OR_TYPE',

  // The gateway's HTTP refusals before Apollo Server runs the operation.
  BAD_REQUEST = 'BAD_REQUEST',
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  RATE_LIMITED = 'RATE_LIMITED',
  /** The caller was refused too often lately (limits, credentials, budgets): answered before its body is read (HTTP 429). */
  TOO_MANY_REFUSALS = 'TOO_MANY_REFUSALS',
  PERSISTED_QUERY_REQUIRED = 'PERSISTED_QUERY_REQUIRED',
  PERSISTED_QUERY_NOT_FOUND = 'PERSISTED_QUERY_NOT_FOUND',

  // Limits on the document, checked before planning (HTTP 400).
  TOKEN_LIMIT_EXCEEDED = 'TOKEN_LIMIT_EXCEEDED',
  DEPTH_LIMIT_EXCEEDED = 'DEPTH_LIMIT_EXCEEDED',
  ALIAS_LIMIT_EXCEEDED = 'ALIAS_LIMIT_EXCEEDED',
  ROOT_FIELD_LIMIT_EXCEEDED = 'ROOT_FIELD_LIMIT_EXCEEDED',
  DIRECTIVE_LIMIT_EXCEEDED = 'DIRECTIVE_LIMIT_EXCEEDED',
  FIELD_LIMIT_EXCEEDED = 'FIELD_LIMIT_EXCEEDED',
  FRAGMENT_LIMIT_EXCEEDED = 'FRAGMENT_LIMIT_EXCEEDED',
  PLAN_LIMIT_EXCEEDED = 'PLAN_LIMIT_EXCEEDED',

  // Demand control.
  /** The operation's estimated cost is over the caller's maximum per request (HTTP 400). */
  COST_LIMIT_EXCEEDED = 'COST_LIMIT_EXCEEDED',
  /** The caller spent its cost budget for this minute (HTTP 429). */
  COST_BUDGET_EXCEEDED = 'COST_BUDGET_EXCEEDED',

  INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR',
  /** A webhook delivery whose signature is missing, stale or wrong (answered 400/401, nothing stored). */
  WEBHOOK_SIGNATURE_INVALID = 'WEBHOOK_SIGNATURE_INVALID',
}

/** Codes Apollo Server and the gateway raise themselves that are also safe to show to callers. */
const FRAMEWORK_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

/** Whether an error with this code was raised on purpose and may be shown to the caller as it is. */
export function isDeliberateCode(code: unknown): boolean {
  return typeof code === 'string' && code !== ErrorCode.INTERNAL_SERVER_ERROR && (code in ErrorCode || FRAMEWORK_CODES.has(code));
}
