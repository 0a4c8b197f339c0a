import type { Request, RequestHandler } from 'express';
import { ErrorCode, IDENTITY_HEADERS, SIGNATURE_HEADER, GatewaySignatureError, verifyRequest } from '../../platform/index.js';

/** Where express.json's `verify` hook leaves the raw body, for the signature check. */
const rawBodies = new WeakMap<Request, Buffer>();

/** For express.json({ verify }): keeps the exact bytes that were signed. */
export function keepRawBody(req: Request, _res: unknown, buffer: Buffer): void {
  rawBodies.set(req, buffer);
}

const header = (req: Request, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/**
 * Refuses (401 UNAUTHENTICATED) a request that the gateway did not sign with `secret` in the last 60 s, so
 * reaching a subgraph's port directly bypasses none of the gateway's checks.
 */
export function requireGatewaySignature(secret: string, options: { toleranceSeconds?: number; now?: () => number } = {}): RequestHandler {
  return (req, res, next) => {
    try {
      verifyRequest(
        secret,
        header(req, SIGNATURE_HEADER),
        {
          method: req.method,
          path: req.originalUrl,
          body: rawBodies.get(req) ?? '',
          identity: {
            user: header(req, IDENTITY_HEADERS.user),
            scopes: header(req, IDENTITY_HEADERS.scopes),
            client: header(req, IDENTITY_HEADERS.client),
          },
        },
        { toleranceSeconds: options.toleranceSeconds, now: options.now?.() },
      );
      next();
    } catch (error) {
      if (!(error instanceof GatewaySignatureError)) return next(error);
      res.status(401).json({ errors: [{ message: error.message, extensions: { code: ErrorCode.UNAUTHENTICATED } }] });
    }
  };
}
