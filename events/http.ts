import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import { PayloadError, SignatureError, adminOnly, type AdminConfig, type Logger } from '../platform/index.js';
import { EVENT_STATUSES, getEvent, listEvents, type EventFilter, type EventStatus } from './log.js';
import { UnknownVendorError, type EventPipeline } from './pipeline.js';

export type EventRoutesOptions = {
  pipeline: EventPipeline;
  log: Logger;
  /**
   * Who may use `/internal/events…`: the operator guard every part shares (platform/admin.ts, ADMIN_TOKEN);
   * default closed without a token (404), as in production.
   */
  admin?: AdminConfig;
  /**
   * The public base URL vendors call (HubSpot signs the full URI); default the request's own Host header, which
   * is right unless a proxy in front rewrites it.
   */
  publicUrl?: string;
  /** Largest webhook body accepted; default 1mb (a HubSpot batch of 100 events is far smaller). */
  bodyLimit?: string;
};

/**
 * What the gateway mounts (it knows nothing of events/ beyond this router, handed over by the launcher):
 * `POST /webhooks/:vendor`, public, raw body kept for the signature, 200 once the events are durably in the log;
 * and the admin routes under `/internal/events`.
 */
export function eventRoutes(options: EventRoutesOptions): Router {
  const { pipeline, log } = options;
  const router = Router();

  router.post('/webhooks/:vendor', express.raw({ type: () => true, limit: options.bodyLimit ?? '1mb' }), async (req, res) => {
    const vendor = String(req.params.vendor);
    const base = options.publicUrl ?? `${req.protocol}://${req.get('host')}`;
    try {
      const result = await pipeline.ingest(vendor, {
        method: req.method,
        url: `${base}${req.originalUrl}`,
        headers: req.headers,
        rawBody: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
      });
      res.status(200).json({ received: true, ...result });
    } catch (error) {
      if (error instanceof SignatureError) {
        // Malformed is the sender's bug (400); missing, stale or wrong means "not proven to be the vendor" (401).
        res
          .status(error.problem === 'malformed' ? 400 : 401)
          .json({ error: { code: error.code, reason: error.problem, message: error.message } });
      } else if (error instanceof PayloadError) {
        res.status(400).json({ error: { code: error.code, reason: 'payload', message: error.message } });
      } else if (error instanceof UnknownVendorError) {
        res.status(404).json({ error: { code: 'NOT_FOUND', message: error.message } });
      } else {
        // Not stored: a non-2xx makes the vendor deliver again later, which is what we want.
        log.error({ err: error, vendor }, 'webhook ingest failed');
        res.status(503).json({ error: { code: 'UPSTREAM_UNAVAILABLE', message: 'The event log is unavailable; deliver again later.' } });
      }
    }
  });

  const admin = Router();
  admin.use(express.json({ limit: '100kb' }), adminOnly(options.admin ?? { token: undefined, production: true }));
  admin.get(
    '/',
    handle(log, async (req) => {
      const filter = readFilter(req.query);
      const limit = Math.min(Number(req.query.limit ?? 100) || 100, 1000);
      const after = Number(req.query.after ?? 0) || 0;
      const events = await listEvents(pipeline.db, filter, { limit, after });
      return { events, next: events.length === limit ? events[events.length - 1]!.id : null };
    }),
  );
  admin.get(
    '/stats',
    handle(log, async (req) => ({ counts: await pipeline.counts(readFilter(req.query)), rejections: pipeline.rejections })),
  );
  admin.get(
    '/:id',
    handle(log, async (req, res) => {
      const event = await getEvent(pipeline.db, Number(req.params.id));
      if (!event) {
        res.status(404);
        return { error: { code: 'NOT_FOUND', message: `No event ${req.params.id} in the log.` } };
      }
      return event;
    }),
  );
  admin.post(
    '/:id/replay',
    handle(log, async (req) => ({ replayed: await pipeline.replay({ ids: [Number(req.params.id)] }) })),
  );
  admin.post(
    '/replay',
    handle(log, async (req) => ({ replayed: await pipeline.replay(readFilter(req.body ?? {})) })),
  );
  admin.post(
    '/redrive',
    handle(log, async (req) => ({ redriven: await pipeline.redrive(readFilter(req.body ?? {})) })),
  );
  admin.post(
    '/reconcile',
    handle(log, async () => ({ reconciled: await pipeline.reconcile() })),
  );
  router.use('/internal/events', admin);
  return router;
}

/** Reads a filter from a query string or JSON body; bad values throw a FilterError (400). */
export function readFilter(source: Record<string, unknown>): EventFilter {
  const filter: EventFilter = {};
  const text = (name: string) => (typeof source[name] === 'string' && source[name] !== '' ? (source[name] as string) : undefined);
  const status = text('status');
  if (status !== undefined) {
    if (!EVENT_STATUSES.includes(status as EventStatus)) throw new FilterError(`status must be one of ${EVENT_STATUSES.join(', ')}`);
    filter.status = status as EventStatus;
  }
  if (text('vendor')) filter.vendor = text('vendor');
  if (text('type')) filter.type = text('type');
  for (const name of ['since', 'until'] as const) {
    const value = text(name);
    if (value === undefined) continue;
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) throw new FilterError(`${name} must be an ISO date-time such as 2026-11-30T04:00:00Z`);
    filter[name] = date;
  }
  return filter;
}

/** Raised when a listing, replay or redrive filter holds a bad value. */
export class FilterError extends Error {
  override name = 'FilterError';
}

function handle(log: Logger, run: (req: Request, res: Response) => Promise<unknown>): RequestHandler {
  return async (req, res) => {
    try {
      res.json(await run(req, res));
    } catch (error) {
      if (error instanceof FilterError) res.status(400).json({ error: { code: 'BAD_USER_INPUT', message: error.message } });
      else {
        log.error({ err: error }, 'events admin route failed');
        res.status(500).json({ error: { code: 'INTERNAL_SERVER_ERROR', message: 'Unexpected error.' } });
      }
    }
  };
}
