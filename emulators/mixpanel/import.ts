import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { authenticate } from './auth.js';
import type { MixpanelContext } from './context.js';
import { bodyErrorStatus, sendIngestionError } from './errors.js';
import { validateEvent } from './validate.js';

/** Request limits of POST /import, measured on the uncompressed body. */
export const MAX_IMPORT_EVENTS = 2000;
export const MAX_IMPORT_BYTES = 10 * 1024 * 1024;

type FailedRecord = { index: number; insert_id: string | undefined; field: string; message: string };

/** The body as a list of (parsed event or parse failure, its byte size). */
type Parsed = { value: unknown; bytes: number } | { error: string };

/**
 * The events' JSON from the body: as sent, or, for the form body some official SDKs send
 * (`application/x-www-form-urlencoded`, `data=<base64 JSON>`), the decoded `data` field (plain JSON accepted too).
 */
function formData(text: string): string | { error: string } {
  const data = new URLSearchParams(text).get('data');
  if (data === null || data === '') return { error: 'form body has no data field: send data=<base64-encoded JSON array of events>' };
  const trimmed = data.trim();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) return trimmed;
  return Buffer.from(trimmed, 'base64').toString('utf8');
}

function parseBody(body: Buffer, contentType: string | undefined): Parsed[] | { error: string } {
  let text = body.toString('utf8');
  if (contentType?.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    const decoded = formData(text);
    if (typeof decoded !== 'string') return decoded;
    text = decoded;
  }
  if (contentType?.toLowerCase().startsWith('application/x-ndjson')) {
    return text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line): Parsed => {
        try {
          return { value: JSON.parse(line), bytes: Buffer.byteLength(line) };
        } catch {
          return { error: 'event is invalid: line is not valid JSON' };
        }
      });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { error: 'unable to parse request body: expected a JSON array of events, or NDJSON with Content-Type application/x-ndjson' };
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  return list.map((value) => ({ value, bytes: Buffer.byteLength(JSON.stringify(value) ?? '') }));
}

export function importRoutes(router: Router, context: MixpanelContext): void {
  const rawBody = express.raw({ type: () => true, limit: MAX_IMPORT_BYTES, inflate: true });

  router.post(
    '/import',
    (req: Request, res: Response, next: NextFunction) => {
      // Authenticate before reading a possibly large body, as the real service does.
      const auth = authenticate(req, context.project, { allowToken: true });
      if (!auth.ok) return sendIngestionError(res, auth.status, auth.message);
      rawBody(req, res, (error?: unknown) => {
        if (error === undefined) return next();
        const { status, type } = bodyErrorStatus(error);
        if (type === 'entity.too.large') {
          return sendIngestionError(res, 413, `request exceeds max limit of ${MAX_IMPORT_BYTES} bytes`);
        }
        if (type === 'encoding.unsupported') {
          return sendIngestionError(res, 415, `unsupported Content-Encoding ${JSON.stringify(req.get('content-encoding'))}: use gzip`);
        }
        if (status >= 400 && status < 500) return sendIngestionError(res, 400, 'unable to read request body');
        return next(error);
      });
    },
    (req: Request, res: Response) => {
      const body: unknown = req.body;
      if (!Buffer.isBuffer(body) || body.length === 0) {
        return sendIngestionError(res, 400, 'request body is empty: expected a JSON array of events');
      }
      const parsed = parseBody(body, req.get('content-type'));
      if (!Array.isArray(parsed)) return sendIngestionError(res, 400, parsed.error);
      if (parsed.length === 0) return sendIngestionError(res, 400, 'request contains no events');
      if (parsed.length > MAX_IMPORT_EVENTS) {
        return sendIngestionError(
          res,
          400,
          `request contains ${parsed.length} events, more than the limit of ${MAX_IMPORT_EVENTS} per request`,
        );
      }

      const strict = req.query['strict'] === '1';
      const now = context.clock();
      const failed: FailedRecord[] = [];
      let imported = 0;
      parsed.forEach((item, index) => {
        if ('error' in item) {
          failed.push({ index, insert_id: undefined, field: 'event', message: item.error });
          return;
        }
        const result = validateEvent(
          item.value,
          { now, requireIds: strict, notBefore: Number.NEGATIVE_INFINITY, defaultTime: undefined },
          item.bytes,
        );
        if (!result.ok) {
          failed.push({ index, insert_id: result.insertId, field: result.field, message: result.message });
          return;
        }
        // The token authenticates; Mixpanel does not keep it as an event property.
        const { token: _token, ...properties } = result.properties;
        context.store.add(result.event, result.timeMs, properties);
        imported++;
      });

      // Without strict=1 Mixpanel keeps what it can and does not say what it dropped.
      if (!strict || failed.length === 0) {
        res.status(200).json({ code: 200, num_records_imported: imported, status: 'OK' });
        return;
      }
      res.status(400).json({
        code: 400,
        error: 'some data points in the request failed validation',
        failed_records: failed,
        num_records_imported: imported,
        status: 'Bad Request',
      });
    },
  );
}
