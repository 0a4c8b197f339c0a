import express, { type Request, type Response, type Router } from 'express';
import { authenticate } from './auth.js';
import type { MixpanelContext } from './context.js';
import { sendQueryError } from './errors.js';
import { compileWhere, WhereSyntaxError } from './where.js';

/** A user profile as the engage query returns it. */
export type EngageProfile = {
  readonly $distinct_id: string;
  readonly $properties: Readonly<Record<string, unknown>>;
};

/** Engage answers this many profiles per page, as Mixpanel does. */
export const ENGAGE_PAGE_SIZE = 1000;

export class ProfileStore {
  private readonly byId = new Map<string, EngageProfile>();

  set(distinctId: string, properties: Record<string, unknown>): void {
    this.byId.set(distinctId, Object.freeze({ $distinct_id: distinctId, $properties: Object.freeze({ ...properties }) }));
  }

  get(distinctId: string): EngageProfile | undefined {
    return this.byId.get(distinctId);
  }

  all(): EngageProfile[] {
    return [...this.byId.values()];
  }
}

/** A parameter from the form body or, failing that, the query string (engage takes both). */
function param(req: Request, name: string): string | undefined {
  const body: unknown = req.body;
  if (body && typeof body === 'object' && name in body) {
    const value = (body as Record<string, unknown>)[name];
    if (typeof value === 'string') return value;
  }
  const value = req.query[name];
  return typeof value === 'string' ? value : undefined;
}

function parseIdList(raw: string, name: string): string[] | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return `'${name}' is invalid: expected a JSON array of distinct ids`;
  }
  if (!Array.isArray(parsed) || !parsed.every((id) => typeof id === 'string' || typeof id === 'number')) {
    return `'${name}' is invalid: expected a JSON array of distinct ids`;
  }
  return parsed.map(String);
}

export function engageRoutes(router: Router, context: MixpanelContext): void {
  const form = express.urlencoded({ extended: false, limit: '10mb' });
  const handler = (req: Request, res: Response): void => {
    const auth = authenticate(req, context.project, { allowToken: false });
    if (!auth.ok) return sendQueryError(res, auth.status, auth.message);
    const admission = context.queryLimiter.admit();
    if (!admission.ok) {
      res.set('Retry-After', String(admission.retryAfterSeconds));
      return sendQueryError(res, 429, admission.message);
    }
    res.on('close', admission.release);

    let candidates = context.profiles.all();
    const distinctIds = param(req, 'distinct_ids');
    const distinctId = param(req, 'distinct_id');
    if (distinctIds !== undefined) {
      const ids = parseIdList(distinctIds, 'distinct_ids');
      if (typeof ids === 'string') return sendQueryError(res, 400, ids);
      const wanted = new Set(ids);
      candidates = candidates.filter((profile) => wanted.has(profile.$distinct_id));
    } else if (distinctId !== undefined) {
      candidates = candidates.filter((profile) => profile.$distinct_id === distinctId);
    }
    const where = param(req, 'where');
    if (where !== undefined && where.trim() !== '') {
      try {
        const predicate = compileWhere(where);
        candidates = candidates.filter((profile) => predicate(profile.$properties));
      } catch (error) {
        if (error instanceof WhereSyntaxError) return sendQueryError(res, 400, `'where' is invalid: ${error.message}`);
        throw error;
      }
    }
    const pageParam = param(req, 'page') ?? '0';
    const page = Number(pageParam);
    if (!Number.isInteger(page) || page < 0) return sendQueryError(res, 400, `'page' is invalid: ${JSON.stringify(pageParam)}`);

    const outputProperties = param(req, 'output_properties');
    let keep: Set<string> | undefined;
    if (outputProperties !== undefined) {
      const names = parseIdList(outputProperties, 'output_properties');
      if (typeof names === 'string') return sendQueryError(res, 400, names);
      keep = new Set(names);
    }
    const results = candidates.slice(page * ENGAGE_PAGE_SIZE, (page + 1) * ENGAGE_PAGE_SIZE).map((profile) =>
      keep
        ? {
            $distinct_id: profile.$distinct_id,
            $properties: Object.fromEntries(Object.entries(profile.$properties).filter(([key]) => keep.has(key))),
          }
        : profile,
    );
    // Mixpanel hands out a session id on the first page for the client to send with the following ones.
    const sessionId = param(req, 'session_id') ?? `${Math.floor(context.clock() / 1000)}-${context.nextSequence()}`;
    res.status(200).json({
      page,
      page_size: ENGAGE_PAGE_SIZE,
      session_id: sessionId,
      status: 'ok',
      total: candidates.length,
      results,
    });
  };
  router.get('/api/2.0/engage', handler);
  router.post('/api/2.0/engage', form, handler);
}
