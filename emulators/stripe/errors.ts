/** The `error` object of a Stripe error response; absent fields are left out, as Stripe does. */
export type StripeErrorBody = {
  type: 'api_error' | 'card_error' | 'idempotency_error' | 'invalid_request_error';
  message: string;
  code?: string;
  decline_code?: string;
  param?: string;
  doc_url?: string;
  charge?: string;
  payment_intent?: unknown;
  payment_method?: unknown;
};

/** Thrown by routes and middleware; the app's error handler turns it into Stripe's error response. */
export class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: StripeErrorBody,
  ) {
    super(body.message);
    this.name = 'StripeApiError';
  }
}

/** Raised when parameters are missing, malformed or not allowed in the object's state (400). */
export function invalidRequest(message: string, extra: { param?: string; code?: string } = {}): StripeApiError {
  return new StripeApiError(400, { type: 'invalid_request_error', message, ...extra });
}

/** Raised when an id names nothing (404 on the path's own id, 400 when it was a parameter). */
export function noSuch(what: string, id: string, param = 'id'): StripeApiError {
  return new StripeApiError(param === 'id' ? 404 : 400, {
    type: 'invalid_request_error',
    code: 'resource_missing',
    message: `No such ${what}: '${id}'`,
    param,
  });
}

/** Raised when a state transition is not allowed from the object's current status. */
export function unexpectedState(code: string, message: string): StripeApiError {
  return invalidRequest(message, { code });
}

/** The JSON body Stripe sends for an error; doc_url points into the emulator since the real docs are off-limits. */
export function errorResponse(error: StripeApiError, docBase: string): { error: StripeErrorBody } {
  const body = { ...error.body };
  if (body.code && !body.doc_url) body.doc_url = `${docBase}/docs/error-codes/${body.code.replaceAll('_', '-')}`;
  return { error: body };
}
