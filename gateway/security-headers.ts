import type { RequestHandler } from 'express';

export type SecurityHeadersOptions = {
  /** Whether Apollo Sandbox's page is served (it loads scripts, so the strict CSP is left off); default false. */
  sandbox?: boolean;
  /** Send Strict-Transport-Security (production behind TLS); default false. */
  hsts?: boolean;
};

/** The headers of every response: an API that is never framed, sniffed, cached by referrers or run as a page. */
export function securityHeaderValues(options: SecurityHeadersOptions = {}): Readonly<Record<string, string>> {
  return {
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    ...(options.sandbox ? {} : { 'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'" }),
    ...(options.hsts ? { 'Strict-Transport-Security': 'max-age=31536000; includeSubDomains' } : {}),
  };
}

/** Sets securityHeaderValues on every response express sends. */
export function securityHeaders(options: SecurityHeadersOptions = {}): RequestHandler {
  const headers = securityHeaderValues(options);
  return (_req, res, next) => {
    res.set(headers);
    next();
  };
}
