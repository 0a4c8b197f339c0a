import { randomBytes, randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';

const TRACEPARENT = /^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/;

/** A W3C traceparent starting a new trace, for callers that send none. */
function newTraceparent(): string {
  return `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
}

/**
 * Gives every request an `x-request-id` (the caller's, or a new one) and a valid `traceparent`, echoes both
 * on the response, and leaves them on the request headers for the data source to pass to subgraphs.
 */
export function requestIdentity(): RequestHandler {
  return (req, res, next) => {
    const given = req.headers['x-request-id'];
    const requestId = typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
    const traceparent =
      typeof req.headers.traceparent === 'string' && TRACEPARENT.test(req.headers.traceparent) ? req.headers.traceparent : newTraceparent();
    req.headers['x-request-id'] = requestId;
    req.headers.traceparent = traceparent;
    res.setHeader('x-request-id', requestId);
    res.setHeader('traceparent', traceparent);
    next();
  };
}
