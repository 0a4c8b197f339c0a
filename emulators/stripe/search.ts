import type { RequestHandler } from 'express';
import type { StripeContext } from './context.js';
import { invalidRequest } from './errors.js';
import { limitParam, send } from './list.js';
import { paramsOf, stringParam } from './params.js';
import { comparePositions, type Collection, type SortPosition } from './store.js';
import type { SearchResult, StripeObject } from './types.js';

/**
 * Most clauses one query may hold. Stripe documents a cap but the number 10 is unverified; the payments
 * subgraph batches OR clauses up to this size, so it is exported for it to read in tests.
 */
export const MAX_SEARCH_CLAUSES = 10;
/** The shortest value the substring operator `~` accepts (Stripe's documented minimum). */
export const MIN_SUBSTRING_LENGTH = 3;

type FieldValue = string | number | boolean | null | undefined;

/**
 * One searchable field: `string` compares case-insensitively and may allow `~`, `token` (ids, statuses)
 * compares exactly, `number` allows `> < >= <=`, `boolean` takes `true`/`false`.
 */
export type SearchField<T> = { kind: 'string' | 'token' | 'number' | 'boolean'; substring?: boolean; get: (object: T) => FieldValue };
export type SearchFields<T> = Record<string, SearchField<T>>;

type Operator = ':' | '~' | '>' | '<' | '>=' | '<=';
export type Clause = { negated: boolean; field: string; metadataKey?: string; operator: Operator; value: string; quoted: boolean };
export type ParsedQuery = { join: 'AND' | 'OR'; clauses: Clause[] };

const PARSE_HELP =
  'We were unable to parse your search query. Try using the format `metadata["key"]:"value"` to ' +
  'query for metadata or `key:"value"` to query for other fields.';

function parseError(detail?: string) {
  return invalidRequest(detail ? `${PARSE_HELP} ${detail}` : PARSE_HELP, { param: 'query' });
}

/** Parses Stripe's search query language: clauses joined by spaces or AND, or by OR, never both. */
export function parseSearchQuery(query: string): ParsedQuery {
  const clauses: Clause[] = [];
  const joins = new Set<'AND' | 'OR'>();
  let expectClause = true;
  let i = 0;
  const n = query.length;
  while (i < n) {
    if (/\s/.test(query[i]!)) {
      i++;
      continue;
    }
    const keyword = /^(AND|OR)(?=\s|$)/.exec(query.slice(i));
    if (keyword) {
      if (expectClause) throw parseError(`Unexpected ${keyword[1]}.`);
      joins.add(keyword[1] as 'AND' | 'OR');
      expectClause = true;
      i += keyword[1]!.length;
      continue;
    }
    // Two clauses side by side are an implicit AND.
    if (!expectClause) joins.add('AND');
    const [clause, next] = parseClause(query, i);
    clauses.push(clause);
    i = next;
    expectClause = false;
  }
  if (clauses.length === 0 || expectClause) throw parseError();
  if (joins.size > 1) {
    throw invalidRequest('Search queries cannot combine AND and OR; use one of them throughout the query.', { param: 'query' });
  }
  if (clauses.length > MAX_SEARCH_CLAUSES) {
    throw invalidRequest(`Search queries can have at most ${MAX_SEARCH_CLAUSES} clauses; this one has ${clauses.length}.`, {
      param: 'query',
    });
  }
  return { join: joins.has('OR') ? 'OR' : 'AND', clauses };
}

function parseClause(query: string, start: number): [Clause, number] {
  let i = start;
  const negated = query[i] === '-';
  if (negated) i++;
  let field: string;
  let metadataKey: string | undefined;
  const metadata = /^metadata\[(["'])((?:\\.|(?!\1).)*)\1\]/.exec(query.slice(i));
  if (metadata) {
    field = 'metadata';
    metadataKey = metadata[2]!.replace(/\\(.)/g, '$1');
    i += metadata[0].length;
  } else {
    const name = /^[a-zA-Z_][a-zA-Z0-9_.]*/.exec(query.slice(i));
    if (!name) throw parseError();
    field = name[0];
    i += field.length;
  }
  const operator = /^(>=|<=|:|~|>|<)/.exec(query.slice(i));
  if (!operator) throw parseError();
  i += operator[0].length;
  let value = '';
  let quoted = false;
  if (query[i] === '"') {
    quoted = true;
    i++;
    while (i < query.length && query[i] !== '"') {
      if (query[i] === '\\' && i + 1 < query.length) i++;
      value += query[i];
      i++;
    }
    if (query[i] !== '"') throw parseError('Unterminated string.');
    i++;
  } else {
    const raw = /^[^\s"]+/.exec(query.slice(i));
    if (!raw) throw parseError();
    value = raw[0];
    i += value.length;
  }
  return [{ negated, field, metadataKey, operator: operator[0] as Operator, value, quoted }, i];
}

type Compiled<T> = (object: T) => boolean;

function compileClause<T extends StripeObject>(clause: Clause, fields: SearchFields<T>, resource: string): Compiled<T> {
  const test = compilePositive(clause, fields, resource);
  return clause.negated ? (object) => !test(object) : test;
}

function compilePositive<T extends StripeObject>(clause: Clause, fields: SearchFields<T>, resource: string): Compiled<T> {
  const { field, operator, value } = clause;
  if (field === 'metadata') {
    if (operator !== ':') throw invalidRequest(`Metadata only supports the ':' operator.`, { param: 'query' });
    const key = clause.metadataKey!;
    if (!clause.quoted && value === 'null') return (object) => (object.metadata as Record<string, string>)?.[key] === undefined;
    return (object) => (object.metadata as Record<string, string> | null)?.[key] === value;
  }
  const definition = fields[field];
  if (!definition) {
    throw invalidRequest(`Field \`${field}\` is an unsupported search field for resource \`${resource}\`.`, { param: 'query' });
  }
  const isNull = !clause.quoted && value === 'null';
  if (operator === '~') {
    if (!definition.substring) {
      throw invalidRequest(`Field \`${field}\` does not support the substring operator '~'.`, { param: 'query' });
    }
    if (value.length < MIN_SUBSTRING_LENGTH) {
      throw invalidRequest(`The substring operator '~' needs a value of at least ${MIN_SUBSTRING_LENGTH} characters.`, { param: 'query' });
    }
    const needle = value.toLowerCase();
    return (object) =>
      String(definition.get(object) ?? '')
        .toLowerCase()
        .includes(needle);
  }
  if (definition.kind === 'number') {
    if (isNull) return (object) => definition.get(object) === null;
    if (!/^-?\d+(\.\d+)?$/.test(value)) throw invalidRequest(`Field \`${field}\` needs a number.`, { param: 'query' });
    const bound = Number(value);
    const compare = {
      ':': (x: number) => x === bound,
      '>': (x: number) => x > bound,
      '<': (x: number) => x < bound,
      '>=': (x: number) => x >= bound,
      '<=': (x: number) => x <= bound,
    }[operator];
    return (object) => {
      const actual = definition.get(object);
      return typeof actual === 'number' && compare(actual);
    };
  }
  if (operator !== ':') {
    throw invalidRequest(`Field \`${field}\` does not support the '${operator}' operator.`, { param: 'query' });
  }
  if (isNull) return (object) => definition.get(object) == null;
  if (definition.kind === 'boolean') {
    if (value !== 'true' && value !== 'false') throw invalidRequest(`Field \`${field}\` needs true or false.`, { param: 'query' });
    const wanted = value === 'true';
    return (object) => definition.get(object) === wanted;
  }
  if (definition.kind === 'token') return (object) => definition.get(object) === value;
  const wanted = value.toLowerCase();
  return (object) => {
    const actual = definition.get(object);
    return typeof actual === 'string' && actual.toLowerCase() === wanted;
  };
}

/** Compiles a parsed query into one predicate; unknown fields and bad operators are 400s, as on Stripe. */
export function compileSearch<T extends StripeObject>(query: ParsedQuery, fields: SearchFields<T>, resource: string): Compiled<T> {
  const tests = query.clauses.map((clause) => compileClause(clause, fields, resource));
  return query.join === 'OR' ? (object) => tests.some((test) => test(object)) : (object) => tests.every((test) => test(object));
}

/** `next_page` is opaque to clients; inside it is the sort position of the last object served. */
function encodePage(position: SortPosition): string {
  return Buffer.from(JSON.stringify([position.created, position.sequence])).toString('base64url');
}

function decodePage(token: string): SortPosition {
  try {
    const [created, sequence] = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown[];
    if (typeof created === 'number' && typeof sequence === 'number') return { created, sequence };
  } catch {
    /* falls through to the 400 */
  }
  throw invalidRequest(`Invalid page: ${token}`, { param: 'page' });
}

/** `GET /v1/<resource>/search`: the one search mechanism every searchable resource uses. */
export function searchRoute<T extends StripeObject>(
  context: StripeContext,
  collection: Collection<T>,
  url: string,
  resource: string,
  fields: SearchFields<T>,
): RequestHandler {
  return (req, res) => {
    const params = paramsOf(req);
    const query = stringParam(params, 'query', true);
    const limit = limitParam(params);
    const page = stringParam(params, 'page');
    const matches = compileSearch(parseSearchQuery(query), fields, resource);
    // Search is eventually consistent: an object made less than the lag ago is not indexed yet (retrieve and
    // list see it at once). Only creation lags here: the emulator keeps no history of earlier versions.
    const indexedBefore = context.clock() - context.searchLagMs;
    const all = collection.all().filter((object) => object.created * 1000 <= indexedBefore && matches(object));
    let start = 0;
    if (page !== undefined) {
      const cursor = decodePage(page);
      start = all.findIndex((object) => comparePositions(collection.position(object), cursor) > 0);
      if (start < 0) start = all.length;
    }
    const data = all.slice(start, start + limit);
    const hasMore = start + limit < all.length;
    const result: SearchResult<T> = {
      object: 'search_result',
      url,
      has_more: hasMore,
      data,
      next_page: hasMore ? encodePage(collection.position(data[data.length - 1]!)) : null,
    };
    send(res, context, params, result, { total: all.length });
  };
}
