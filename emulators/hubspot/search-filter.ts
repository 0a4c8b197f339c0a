import { validationError } from './errors.js';
import { PROPERTIES, SEARCHABLE, type ObjectType } from './schema.js';
import type { CrmObject } from './store.js';
import { parseDateValue } from './validation.js';

export const OPERATORS = [
  'EQ',
  'NEQ',
  'LT',
  'LTE',
  'GT',
  'GTE',
  'BETWEEN',
  'IN',
  'NOT_IN',
  'HAS_PROPERTY',
  'NOT_HAS_PROPERTY',
  'CONTAINS_TOKEN',
  'NOT_CONTAINS_TOKEN',
] as const;
export type Operator = (typeof OPERATORS)[number];

export type Filter = { propertyName: string; operator: Operator; value?: string; highValue?: string; values?: string[] };
export type Sort = { propertyName: string; direction: 'ASCENDING' | 'DESCENDING' };

/**
 * HubSpot documents its caps in more than one way; this emulator enforces the one in the current search
 * guide: at most 5 filterGroups, at most 6 filters in a group, at most 18 filters in total.
 */
export const SEARCH_CAPS = { groups: 5, filtersPerGroup: 6, filtersTotal: 18 } as const;

function stringValue(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** Validates `filterGroups` (shape, operators, caps, known properties) into typed filters. */
export function parseFilterGroups(type: ObjectType, input: unknown, definitions: ReadonlyMap<string, unknown>): Filter[][] {
  if (input === undefined) return [];
  if (!Array.isArray(input)) throw validationError('Invalid input JSON: "filterGroups" must be a list.');
  if (input.length > SEARCH_CAPS.groups) {
    throw validationError(`Too many filter groups: ${input.length}. The maximum is ${SEARCH_CAPS.groups}.`);
  }
  let total = 0;
  return input.map((group: unknown) => {
    const filters = (group as { filters?: unknown } | null)?.filters;
    if (!Array.isArray(filters)) throw validationError('Invalid input JSON: every filter group needs a "filters" list.');
    if (filters.length > SEARCH_CAPS.filtersPerGroup) {
      throw validationError(`Too many filters in a filter group: ${filters.length}. The maximum is ${SEARCH_CAPS.filtersPerGroup}.`);
    }
    total += filters.length;
    if (total > SEARCH_CAPS.filtersTotal) {
      throw validationError(`Too many filters: the maximum across all filter groups is ${SEARCH_CAPS.filtersTotal}.`);
    }
    return filters.map((raw: unknown): Filter => {
      const filter = (raw ?? {}) as Record<string, unknown>;
      const propertyName = filter.propertyName;
      const operator = filter.operator ?? 'EQ';
      const associationType = typeof propertyName === 'string' ? associationTarget(propertyName) : undefined;
      if (associationType && associationType !== type && operator !== 'EQ' && operator !== 'IN') {
        throw validationError(`Only EQ and IN are supported on ${propertyName}.`);
      }
      if (!associationType && (typeof propertyName !== 'string' || !definitions.has(propertyName))) {
        // Unverified wording; HubSpot does refuse filters on properties the portal does not define.
        throw validationError(`Unknown property in filter: ${String(propertyName)}`);
      }
      if (typeof operator !== 'string' || !(OPERATORS as readonly string[]).includes(operator)) {
        throw validationError(`Unknown operator ${String(operator)}. Supported: ${OPERATORS.join(', ')}`);
      }
      const op = operator as Operator;
      const value = stringValue(filter.value);
      const highValue = stringValue(filter.highValue);
      const values = Array.isArray(filter.values) ? filter.values.map(stringValue).filter((v): v is string => v !== undefined) : undefined;
      if ((op === 'IN' || op === 'NOT_IN') && !values) throw validationError(`Operator ${op} needs "values".`);
      if (op === 'BETWEEN' && (value === undefined || highValue === undefined)) {
        throw validationError('Operator BETWEEN needs "value" and "highValue".');
      }
      if (!['IN', 'NOT_IN', 'HAS_PROPERTY', 'NOT_HAS_PROPERTY'].includes(op) && value === undefined) {
        throw validationError(`Operator ${op} needs a "value".`);
      }
      return { propertyName: propertyName as string, operator: op, value, highValue, values };
    });
  });
}

/** Sorts as objects `{propertyName, direction}`, or as the SDK types them, strings: `"name"`, `"-name"` or JSON. */
export function parseSorts(input: unknown, definitions: ReadonlyMap<string, unknown>): Sort[] {
  if (input === undefined) return [];
  if (!Array.isArray(input)) throw validationError('Invalid input JSON: "sorts" must be a list.');
  return input.map((raw: unknown): Sort => {
    let sort: unknown = raw;
    if (typeof raw === 'string') {
      const text = raw.trim();
      if (text.startsWith('{')) {
        try {
          sort = JSON.parse(text);
        } catch {
          throw validationError(`Invalid sort: ${text}`);
        }
      } else {
        sort = text.startsWith('-')
          ? { propertyName: text.slice(1), direction: 'DESCENDING' }
          : { propertyName: text, direction: 'ASCENDING' };
      }
    }
    const { propertyName, direction = 'ASCENDING' } = (sort ?? {}) as { propertyName?: unknown; direction?: unknown };
    if (typeof propertyName !== 'string' || !definitions.has(propertyName)) {
      throw validationError(`Invalid sort property: ${String(propertyName)}`);
    }
    if (direction !== 'ASCENDING' && direction !== 'DESCENDING') throw validationError(`Invalid sort direction: ${String(direction)}`);
    return { propertyName, direction };
  });
}

/**
 * A property value as a comparable: numbers and dates numerically, everything else lowercase text. Only the
 * standard definitions are consulted: custom number/date properties compare as text in ranges and sorts.
 */
function comparable(type: ObjectType, propertyName: string, value: string): number | string {
  const definition = PROPERTIES[type].get(propertyName);
  if (definition?.type === 'number') {
    const number = Number(value);
    return Number.isNaN(number) ? value.toLowerCase() : number;
  }
  if (definition?.type === 'datetime' || definition?.type === 'date') return parseDateValue(value) ?? value.toLowerCase();
  return value.toLowerCase();
}

function compare(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const left = String(a);
  const right = String(b);
  return left < right ? -1 : left > right ? 1 : 0;
}

function tokens(value: string): string[] {
  return value
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((token) => token.length > 0);
}

/** CONTAINS_TOKEN: the pattern (with `*` wildcards) matches one word of the value, or the whole value. */
function containsToken(value: string, pattern: string): boolean {
  const escaped = pattern
    .toLowerCase()
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  const regex = new RegExp(`^${escaped}$`, 'u');
  return regex.test(value.toLowerCase()) || tokens(value).some((token) => regex.test(token));
}

/**
 * The object type a pseudo-property `associations.<type>` filters by (HubSpot documents `associations.contact`,
 * `associations.company`, `associations.deal`): it matches objects associated with the given record ids.
 */
export function associationTarget(propertyName: string): ObjectType | undefined {
  const match = /^associations\.(contact|company|deal)$/.exec(propertyName);
  if (!match) return undefined;
  return match[1] === 'company' ? 'companies' : (`${match[1]}s` as ObjectType);
}

/** Ids of the records of a type an object is associated with; the search route answers it from the store. */
export type AssociatedIds = (object: CrmObject, toType: ObjectType) => readonly string[];

export function matchesFilter(object: CrmObject, filter: Filter, associated?: AssociatedIds): boolean {
  const target = associationTarget(filter.propertyName);
  if (target) {
    const ids = associated?.(object, target) ?? [];
    const wanted = filter.operator === 'IN' ? (filter.values ?? []) : [filter.value ?? ''];
    return wanted.some((id) => ids.includes(id));
  }
  const raw = object.properties[filter.propertyName];
  const has = raw !== null && raw !== undefined && raw !== '';
  const type = object.type;
  const cmp = (other: string): number =>
    compare(comparable(type, filter.propertyName, raw ?? ''), comparable(type, filter.propertyName, other));
  const value = filter.value ?? '';
  switch (filter.operator) {
    case 'HAS_PROPERTY':
      return has;
    case 'NOT_HAS_PROPERTY':
      return !has;
    // Negations match objects without a value too: "not equal to X" holds for an empty property.
    case 'NEQ':
      return !has || cmp(value) !== 0;
    case 'NOT_IN':
      return !has || !(filter.values ?? []).some((other) => cmp(other) === 0);
    case 'NOT_CONTAINS_TOKEN':
      return !has || !containsToken(raw, value);
    default:
      break;
  }
  if (!has) return false;
  switch (filter.operator) {
    case 'EQ':
      return cmp(value) === 0;
    case 'LT':
      return cmp(value) < 0;
    case 'LTE':
      return cmp(value) <= 0;
    case 'GT':
      return cmp(value) > 0;
    case 'GTE':
      return cmp(value) >= 0;
    case 'BETWEEN':
      return cmp(value) >= 0 && cmp(filter.highValue ?? '') <= 0;
    case 'IN':
      return (filter.values ?? []).some((other) => cmp(other) === 0);
    case 'CONTAINS_TOKEN':
      return containsToken(raw, value);
    default: {
      const unreachable: never = filter.operator;
      throw new Error(`unhandled operator ${String(unreachable)}`);
    }
  }
}

/** Groups OR together, filters within a group AND together; no groups matches everything. */
export function matchesGroups(object: CrmObject, groups: Filter[][], associated?: AssociatedIds): boolean {
  return groups.length === 0 || groups.some((group) => group.every((filter) => matchesFilter(object, filter, associated)));
}

/**
 * The free-text `query`: every word of it must begin a word (or the whole value) of one of the type's default
 * searchable properties, case-insensitively, e.g. "ada abb" finds Ada Abbott.
 */
export function matchesQuery(object: CrmObject, query: string): boolean {
  const words = query
    .toLowerCase()
    .split(/\s+/)
    .filter((word) => word.length > 0);
  if (words.length === 0) return true;
  const values = SEARCHABLE[object.type]
    .map((name) => object.properties[name])
    .filter((value): value is string => typeof value === 'string' && value.length > 0);
  return words.every((word) =>
    values.some((value) => value.toLowerCase().startsWith(word) || tokens(value).some((token) => token.startsWith(word))),
  );
}

export function sortObjects(objects: CrmObject[], sorts: readonly Sort[]): CrmObject[] {
  return objects.sort((a, b) => {
    for (const sort of sorts) {
      const left = a.properties[sort.propertyName];
      const right = b.properties[sort.propertyName];
      // Objects without the value go last whichever the direction (unverified; HubSpot's order of nulls is not documented).
      if (left == null || right == null) {
        if (left == null && right == null) continue;
        return left == null ? 1 : -1;
      }
      const order = compare(comparable(a.type, sort.propertyName, left), comparable(b.type, sort.propertyName, right));
      if (order !== 0) return sort.direction === 'ASCENDING' ? order : -order;
    }
    return Number(a.id) - Number(b.id);
  });
}
