import type { ErrorRequestHandler, RequestHandler } from 'express';
import { errorResponse, StripeApiError } from './errors.js';

/** Any path no route claimed: Stripe's own 404 wording, never express's HTML page. */
export const unrecognizedUrl: RequestHandler = (req) => {
  throw new StripeApiError(404, {
    type: 'invalid_request_error',
    message: `Unrecognized request URL (${req.method}: ${req.path}).`,
  });
};

/** The last handler: every failure leaves as a Stripe error body, unknown ones as a 500 api_error. */
export const stripeErrorHandler: ErrorRequestHandler = (error: unknown, req, res, next) => {
  if (res.headersSent) return next(error);
  const docBase = `${req.protocol}://${req.get('host') ?? 'localhost'}`;
  let known: StripeApiError;
  if (error instanceof StripeApiError) {
    known = error;
  } else if (isHttpError(error) && error.status < 500) {
    // body-parser's rejections (malformed or oversized bodies) are the client's fault.
    known = new StripeApiError(error.status === 413 ? 413 : 400, {
      type: 'invalid_request_error',
      message: `Invalid request body: ${error.message}`,
    });
  } else {
    known = new StripeApiError(500, { type: 'api_error', message: 'An unknown error occurred in the Stripe emulator.' });
  }
  res.status(known.status).json(errorResponse(known, docBase));
};

function isHttpError(error: unknown): error is { status: number; message: string } {
  return typeof error === 'object' && error !== null && typeof (error as { status?: unknown }).status === 'number';
}
