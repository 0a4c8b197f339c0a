import type { RequestHandler, Response } from 'express';
import type { StripeContext } from './context.js';
import { invalidRequest, noSuch } from './errors.js';
import { expand, expandPaths } from './expand.js';
import { paramsOf, type Params } from './params.js';
import type { Collection } from './store.js';
import type { ListObject, StripeObject } from './types.js';

/** A list filter parameter (`customer`, `status`, ...) and whether an object passes it. */
export type ListFilters<T> = Record<string, (object: T, value: unknown) => boolean>;

/** Reads `limit` the way Stripe does: 1 to 100, 10 when absent. */
export function limitParam(params: Params): number {
  const raw = params.limit;
  if (raw === undefined) return 10;
  const limit = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(limit >= 1 && limit <= 100)) {
    throw invalidRequest(`Invalid integer: ${String(raw)}. This value must be between 1 and 100 (inclusive).`, { param: 'limit' });
  }
  return limit;
}

/** `created=<ts>` or `created[gt|gte|lt|lte]=<ts>`, as on every Stripe list that has `created`. */
export function matchesCreated(created: number, value: unknown): boolean {
  if (typeof value === 'string') return created === toTimestamp(value, 'created');
  if (!value || typeof value !== 'object') throw invalidRequest('Invalid created', { param: 'created' });
  for (const [op, raw] of Object.entries(value as Record<string, unknown>)) {
    const bound = toTimestamp(raw, `created[${op}]`);
    const ok =
      op === 'gt'
        ? created > bound
        : op === 'gte'
          ? created >= bound
          : op === 'lt'
            ? created < bound
            : op === 'lte'
              ? created <= bound
              : undefined;
    if (ok === undefined) throw invalidRequest(`Received unknown parameter: created[${op}]`, { param: `created[${op}]` });
    if (!ok) return false;
  }
  return true;
}

function toTimestamp(raw: unknown, param: string): number {
  if (typeof raw !== 'string' || !/^\d+$/.test(raw)) throw invalidRequest(`Invalid integer: ${String(raw)}`, { param });
  return Number(raw);
}

/**
 * One page of `items` (already filtered, newest first) around the cursors. `ending_before` gives the `limit`
 * objects just before the cursor, still newest first: the SDK walks such a page from its end.
 */
export function paginate<T extends StripeObject>(
  items: readonly T[],
  params: Params,
  url: string,
  noun: string,
): { page: ListObject<T>; total: number } {
  const limit = limitParam(params);
  const after = params.starting_after;
  const before = params.ending_before;
  if (after !== undefined && before !== undefined) {
    throw invalidRequest('You may only specify one of these parameters: starting_after, ending_before.', { param: 'starting_after' });
  }
  const cursorIndex = (param: string, id: unknown) => {
    const index = typeof id === 'string' ? items.findIndex((item) => item.id === id) : -1;
    if (index < 0) throw noSuch(noun, String(id), param);
    return index;
  };
  let data: T[];
  let hasMore: boolean;
  if (after !== undefined) {
    const start = cursorIndex('starting_after', after) + 1;
    data = items.slice(start, start + limit);
    hasMore = start + limit < items.length;
  } else if (before !== undefined) {
    const end = cursorIndex('ending_before', before);
    const start = Math.max(0, end - limit);
    data = items.slice(start, end);
    hasMore = start > 0;
  } else {
    data = items.slice(0, limit);
    hasMore = limit < items.length;
  }
  return { page: { object: 'list', data, has_more: hasMore, url }, total: items.length };
}

/** Sends a Stripe object or list, applying `expand[]` (and `total_count`, which only lists and searches have). */
export function send(
  res: Response,
  context: StripeContext,
  params: Params,
  body: unknown,
  options: { status?: number; total?: number } = {},
): void {
  const paths = expandPaths(params);
  const wantsTotal = paths.includes('total_count');
  let result = expand(
    context.store,
    context.includables,
    body,
    paths.filter((path) => path !== 'total_count'),
  );
  if (wantsTotal) {
    if (options.total === undefined) throw invalidRequest('This property cannot be expanded (total_count).', { param: 'expand' });
    result = { ...(result as object), total_count: options.total };
  }
  res.status(options.status ?? 200).json(result);
}

/** `GET /v1/<resource>`: the one list mechanism every resource uses. */
export function listRoute<T extends StripeObject>(
  context: StripeContext,
  collection: Collection<T>,
  url: string,
  filters: ListFilters<T> = {},
  base: (params: Params) => readonly T[] = () => collection.all(),
): RequestHandler {
  return (req, res) => {
    const params = paramsOf(req);
    const active = Object.entries(filters).filter(([name]) => params[name] !== undefined);
    const created = params.created;
    const items = base(params).filter(
      (item) =>
        (created === undefined || matchesCreated(item.created, created)) && active.every(([name, test]) => test(item, params[name])),
    );
    const { page, total } = paginate(items, params, url, collection.noun);
    send(res, context, params, page, { total });
  };
}

/** `GET /v1/<resource>/:id`. */
export function retrieveRoute<T extends StripeObject>(context: StripeContext, collection: Collection<T>): RequestHandler {
  return (req, res) => {
    send(res, context, paramsOf(req), mustGet(collection, String(req.params.id)));
  };
}

export function mustGet<T extends StripeObject>(collection: Collection<T>, id: string, param = 'id'): T {
  const found = collection.get(id);
  if (!found) throw noSuch(collection.noun, id, param);
  return found;
}
