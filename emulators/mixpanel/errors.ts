import type { Response } from 'express';

/**
 * Mixpanel answers in two shapes: the ingestion API (`/import`) with `{code, error, status: <reason phrase>}`,
 * and the query APIs (`/api/2.0/*`) with `{error, status: "error"}`. Every error leaves through one of these.
 */

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
};

export function reasonPhrase(status: number): string {
  return REASONS[status] ?? 'Error';
}

export function sendIngestionError(res: Response, status: number, message: string): void {
  res.status(status).json({ code: status, error: message, status: reasonPhrase(status) });
}

export function sendQueryError(res: Response, status: number, message: string): void {
  res.status(status).json({ error: message, status: 'error' });
}

/** Which family of API a path belongs to, so a generic failure still answers in that family's shape. */
export function isIngestionPath(path: string): boolean {
  return path === '/import' || path === '/track' || path.startsWith('/import/') || path.startsWith('/track/');
}

/** body-parser's errors carry a `type` and an HTTP status; anything else is a 500. */
export function bodyErrorStatus(error: unknown): { status: number; type?: string } {
  if (error && typeof error === 'object' && 'status' in error && typeof error.status === 'number') {
    const type = 'type' in error && typeof error.type === 'string' ? error.type : undefined;
    return type === undefined ? { status: error.status } : { status: error.status, type };
  }
  return { status: 500 };
}
