import { invalidRequest } from './errors.js';
import { arrayParam, type Params } from './params.js';
import { findById, type Store } from './store.js';

/** Stripe refuses expansions deeper than this many levels. */
export const MAX_EXPAND_DEPTH = 4;

/**
 * Fields Stripe leaves out unless expanded (`invoice.payments`, `charge.refunds`, ...): computed on demand,
 * keyed by the owning object's `object` value.
 */
export type Includables = Record<string, Record<string, (owner: Record<string, unknown>) => unknown>>;

export function expandPaths(params: Params): string[] {
  return arrayParam(params.expand).map((path) => {
    if (typeof path !== 'string' || path === '') throw invalidRequest('Invalid array', { param: 'expand' });
    return path;
  });
}

/**
 * Returns `body` with every path expanded: an id string becomes its object, an includable field is computed.
 * The stored objects are never mutated: every level on the way is copied.
 */
export function expand(store: Store, includables: Includables, body: unknown, paths: readonly string[]): unknown {
  let result = body;
  for (const path of paths) {
    const segments = path.split('.');
    // On a list the leading `data.` addresses the elements and is not a level of the object.
    const depth = isList(result) && segments[0] === 'data' ? segments.length - 1 : segments.length;
    if (depth > MAX_EXPAND_DEPTH) {
      throw invalidRequest(`You cannot expand more than ${MAX_EXPAND_DEPTH} levels of a property. Property: ${path}`, { param: 'expand' });
    }
    result = expandAt(store, includables, result, segments, path);
  }
  return result;
}

function expandAt(store: Store, includables: Includables, value: unknown, segments: string[], path: string): unknown {
  const [head, ...rest] = segments;
  if (head === undefined) return value;
  if (isList(value) && head === 'data') {
    return { ...value, data: value.data.map((item) => expandAt(store, includables, item, rest, path)) };
  }
  if (!isRecord(value)) throw cannotExpand(path);
  let child = value[head];
  if (typeof child === 'string' && head !== 'id' && head !== 'object') {
    const found = findById(store, child);
    if (!found) throw cannotExpand(path);
    child = found;
  } else if (child === undefined) {
    const include = typeof value.object === 'string' ? includables[value.object]?.[head] : undefined;
    if (!include) throw cannotExpand(path);
    child = include(value);
  } else if (child === null) {
    return value;
  } else if (typeof child !== 'object') {
    throw cannotExpand(path);
  }
  return { ...value, [head]: expandAt(store, includables, child, rest, path) };
}

function cannotExpand(path: string) {
  return invalidRequest(`This property cannot be expanded (${path}).`, { param: 'expand' });
}

function isList(value: unknown): value is { data: unknown[] } & Record<string, unknown> {
  return isRecord(value) && (value.object === 'list' || value.object === 'search_result') && Array.isArray(value.data);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
