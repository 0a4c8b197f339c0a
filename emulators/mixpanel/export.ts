import type { Request, Response, Router } from 'express';
import { authenticate } from './auth.js';
import type { MixpanelContext } from './context.js';
import { DAY_MS, parseDay } from './dates.js';
import { sendQueryError } from './errors.js';
import { EventStore } from './store.js';
import { compileWhere, WhereSyntaxError, type Predicate } from './where.js';

export const MAX_EXPORT_LIMIT = 100_000;

function single(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

type ExportQuery = { fromMs: number; toMs: number; events?: Set<string>; where?: Predicate; limit?: number; timeInMs: boolean };

/** Reads the query parameters; a string is the 400 message, worded like Mixpanel's. */
function readQuery(req: Request): ExportQuery | string {
  const query = req.query;
  const fromDate = single(query['from_date']);
  const toDate = single(query['to_date']);
  if (fromDate === undefined || fromDate === '') return "'from_date' is a required parameter";
  if (toDate === undefined || toDate === '') return "'to_date' is a required parameter";
  const fromMs = parseDay(fromDate);
  if (fromMs === undefined) return `'from_date' is invalid: ${JSON.stringify(fromDate)} is not a date in the format YYYY-MM-DD`;
  const toDay = parseDay(toDate);
  if (toDay === undefined) return `'to_date' is invalid: ${JSON.stringify(toDate)} is not a date in the format YYYY-MM-DD`;
  if (toDay < fromMs) return `'to_date' (${toDate}) must not be before 'from_date' (${fromDate})`;

  const result: ExportQuery = { fromMs, toMs: toDay + DAY_MS, timeInMs: false };
  const event = single(query['event']);
  if (event !== undefined && event !== '') {
    let names: unknown;
    try {
      names = JSON.parse(event);
    } catch {
      return `'event' is invalid: expected a JSON array of event names, got ${JSON.stringify(event)}`;
    }
    if (!Array.isArray(names) || !names.every((name) => typeof name === 'string')) {
      return `'event' is invalid: expected a JSON array of event names, got ${JSON.stringify(event)}`;
    }
    result.events = new Set(names);
  }
  const where = single(query['where']);
  if (where !== undefined && where.trim() !== '') {
    try {
      result.where = compileWhere(where);
    } catch (error) {
      if (error instanceof WhereSyntaxError) return `'where' is invalid: ${error.message}`;
      throw error;
    }
  }
  const limit = single(query['limit']);
  if (limit !== undefined && limit !== '') {
    const n = Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > MAX_EXPORT_LIMIT) {
      return `'limit' is invalid: must be an integer between 1 and ${MAX_EXPORT_LIMIT}`;
    }
    result.limit = n;
  }
  const timeInMs = single(query['time_in_ms']);
  result.timeInMs = timeInMs === 'true' || timeInMs === '1';
  return result;
}

export function exportRoutes(router: Router, context: MixpanelContext): void {
  router.get('/api/2.0/export', (req: Request, res: Response) => {
    const auth = authenticate(req, context.project, { allowToken: false });
    if (!auth.ok) return sendQueryError(res, auth.status, auth.message);
    const admission = context.exportLimiter.admit();
    if (!admission.ok) {
      res.set('Retry-After', String(admission.retryAfterSeconds));
      return sendQueryError(res, 429, admission.message);
    }
    res.on('close', admission.release);

    const query = readQuery(req);
    if (typeof query === 'string') return sendQueryError(res, 400, query);
    const { events, where, limit, timeInMs } = query;
    const lines: string[] = [];
    for (const row of context.store.range(query.fromMs, query.toMs)) {
      if (events && !events.has(row.event)) continue;
      if (where && !where(row.properties)) continue;
      lines.push(EventStore.line(row, timeInMs));
      if (limit !== undefined && lines.length >= limit) break;
    }
    res
      .status(200)
      .type('text/plain; charset=utf-8')
      .send(lines.length === 0 ? '' : `${lines.join('\n')}\n`);
  });
}
