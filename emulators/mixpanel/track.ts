import express, { type Request, type Response, type Router } from 'express';
import type { MixpanelContext } from './context.js';
import { DAY_MS } from './dates.js';
import { validateEvent, type ValidEvent } from './validate.js';

/** /track takes at most this many events per request, and only events from the last 5 days. */
export const MAX_TRACK_EVENTS = 2000;
const TRACK_WINDOW_MS = 5 * DAY_MS;

/**
 * `data` as clients send it: base64 of JSON (the SDKs) or plain JSON. The node SDK posts `data=<base64>`
 * without URL-encoding it, so form decoding turns its `+` into spaces; put them back before decoding.
 */
function decodeData(data: string): unknown {
  const trimmed = data.trim();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) return JSON.parse(trimmed);
  return JSON.parse(Buffer.from(trimmed.replace(/ /g, '+'), 'base64').toString('utf8'));
}

function readParams(req: Request): { data: unknown; verbose: boolean } {
  const query = req.query;
  let data: unknown = typeof query['data'] === 'string' ? query['data'] : undefined;
  let verbose = query['verbose'] === '1';
  if (req.method === 'POST' && typeof req.body === 'string' && req.body !== '') {
    const contentType = req.get('content-type') ?? '';
    if (contentType.includes('json')) {
      data = JSON.parse(req.body) as unknown;
    } else {
      const form = new URLSearchParams(req.body);
      const formData = form.get('data');
      if (formData !== null) data = formData;
      if (form.get('verbose') === '1') verbose = true;
    }
  }
  return { data: typeof data === 'string' ? decodeData(data) : data, verbose };
}

function answer(res: Response, httpStatus: number, verbose: boolean, ok: boolean, error: string | null): void {
  if (verbose) {
    res.status(httpStatus).json({ status: ok ? 1 : 0, error });
    return;
  }
  res
    .status(httpStatus)
    .type('text/plain')
    .send(ok ? '1' : '0');
}

export function trackRoutes(router: Router, context: MixpanelContext): void {
  const formBody = express.text({ type: () => true, limit: '10mb' });
  const handler = (req: Request, res: Response): void => {
    let params: { data: unknown; verbose: boolean };
    try {
      params = readParams(req);
    } catch {
      const verbose = req.query['verbose'] === '1';
      return answer(res, 400, verbose, false, 'data, could not be decoded as base64-encoded JSON');
    }
    const { data, verbose } = params;
    if (data === undefined) return answer(res, 400, verbose, false, 'data, missing or empty');
    const events = Array.isArray(data) ? data : [data];
    if (events.length === 0) return answer(res, 400, verbose, false, 'data, missing or empty');
    if (events.length > MAX_TRACK_EVENTS) {
      return answer(res, 400, verbose, false, `too many events: at most ${MAX_TRACK_EVENTS} per request`);
    }

    const now = context.clock();
    const valid: ValidEvent[] = [];
    let firstError: string | null = null;
    let tokenFailures = 0;
    for (const raw of events) {
      const properties = (raw as { properties?: unknown } | null)?.properties;
      const token = typeof properties === 'object' && properties !== null ? (properties as Record<string, unknown>)['token'] : undefined;
      if (token !== context.project.token) {
        tokenFailures++;
        firstError ??= token === undefined ? 'token, missing or empty' : 'Invalid token';
        continue;
      }
      const result = validateEvent(raw, { now, requireIds: false, notBefore: now - TRACK_WINDOW_MS, defaultTime: now });
      if (!result.ok) {
        firstError ??= result.message;
        continue;
      }
      valid.push(result);
    }
    // Every event had a wrong or missing project token: that is an authentication failure.
    if (tokenFailures === events.length) return answer(res, 401, verbose, false, firstError);
    // `1` means at least one event was accepted; the rest are dropped, as on the real endpoint.
    if (valid.length === 0) return answer(res, 200, verbose, false, firstError);
    for (const event of valid) {
      const { token: _token, ...properties } = event.properties;
      // Without an $insert_id Mixpanel mints one, and such events are never deduplicated.
      if (properties['$insert_id'] === undefined) properties['$insert_id'] = `trk-${context.nextSequence()}`;
      context.store.add(event.event, event.timeMs, properties);
    }
    answer(res, 200, verbose, true, null);
  };
  router.get('/track', handler);
  router.post('/track', formBody, handler);
}
