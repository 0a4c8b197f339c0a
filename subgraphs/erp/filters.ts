/** NAV's filter syntax: literals, OR-lists and the ReadMultiple filters the loaders send. Pure. */
import type { OrderStatus, PostedInvoiceStatus } from './__generated__/resolvers.js';
import { toStatusOption } from './mapping.js';

/** One ReadMultiple filter: `Criteria` in NAV's filter syntax for one field; several filters AND. */
export type NavFilter = { Field: string; Criteria: string };

/** Characters with a meaning in NAV's filter syntax (OR, AND, ranges, comparisons, wildcards, case, grouping, quotes). */
const FILTER_SYNTAX = /[|&.<>=*?@()'\s]/;

/**
 * One value as a literal in NAV filter criteria: as it is when it holds nothing NAV would read as syntax, else
 * in single quotes with inner quotes doubled (`O'Brien & Co` -> `'O''Brien & Co'`). '' is NAV's "empty".
 */
export function navLiteral(value: string): string {
  if (value !== '' && !FILTER_SYNTAX.test(value)) return value;
  return `'${value.replace(/'/g, "''")}'`;
}

/** Criteria matching any of the values exactly: `C00001|C00002|'A|B'`. */
export function anyOf(values: readonly string[]): string {
  if (values.length === 0) throw new Error('anyOf needs at least one value: an empty criteria would match everything');
  return values.map(navLiteral).join('|');
}

export function orderFilters(customerNumbers: readonly string[], statuses: readonly OrderStatus[] | null | undefined): NavFilter[] {
  const filters: NavFilter[] = [{ Field: 'Sell_to_Customer_No', Criteria: anyOf(customerNumbers) }];
  if (statuses && statuses.length > 0) filters.push({ Field: 'Status', Criteria: anyOf(statuses.map(toStatusOption)) });
  return filters;
}

export function invoiceFilters(customerNumbers: readonly string[], status: PostedInvoiceStatus | null | undefined): NavFilter[] {
  const filters: NavFilter[] = [{ Field: 'Sell_to_Customer_No', Criteria: anyOf(customerNumbers) }];
  if (status) filters.push({ Field: 'Closed', Criteria: status === 'CLOSED' ? 'true' : 'false' });
  return filters;
}
