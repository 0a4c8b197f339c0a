/**
 * List filters and Stripe's search language: the queries the loaders send for a batch of customers, and the
 * filter applied to the rows that come back. Pure.
 */
/** A list filter in Stripe's terms: lower-case statuses, bounds in Unix seconds (after inclusive, before exclusive). */
export type ListFilter = { statuses: string[] | null; createdFrom: number | null; createdUntil: number | null };

export const NO_FILTER: ListFilter = { statuses: null, createdFrom: null, createdUntil: null };

/** The schema's filter input; DateTime values arrive as Date objects from the scalar, or as strings. */
export type FilterInput = {
  status?: readonly string[] | null;
  createdAfter?: string | Date | null;
  createdBefore?: string | Date | null;
};

const seconds = (value: string | Date): number => Math.ceil(new Date(value).getTime() / 1000);

/** Schema filter -> ListFilter. Instants round up to whole seconds, which keeps "after" inclusive and "before" exclusive. */
export function toListFilter(input: FilterInput | null | undefined): ListFilter {
  if (!input) return NO_FILTER;
  return {
    statuses: input.status && input.status.length > 0 ? [...new Set(input.status.map((status) => status.toLowerCase()))].sort() : null,
    createdFrom: input.createdAfter ? seconds(input.createdAfter) : null,
    createdUntil: input.createdBefore ? seconds(input.createdBefore) : null,
  };
}

/** A stable string for a filter: loaders batch keys with the same filter into one search. */
export function filterKey(filter: ListFilter): string {
  return JSON.stringify([filter.statuses, filter.createdFrom, filter.createdUntil]);
}

export function matchesFilter(row: { status: string | null; created: number }, filter: ListFilter): boolean {
  if (filter.statuses && !filter.statuses.includes(row.status ?? '')) return false;
  if (filter.createdFrom !== null && row.created < filter.createdFrom) return false;
  if (filter.createdUntil !== null && row.created >= filter.createdUntil) return false;
  return true;
}

/** A value in Stripe's search language: always double-quoted, with `\` and `"` escaped by a backslash. */
export function quoteSearchValue(value: string): string {
  return `"${value.replace(/[\\"]/g, (char) => `\\${char}`)}"`;
}

/** `field:"a" OR field:"b" ...`: one clause per value (Stripe allows at most 10 clauses per query). */
export function toOrQuery(field: string, values: readonly string[]): string {
  if (values.length === 0) throw new Error('a search query needs at least one value');
  return values.map((value) => `${field}:${quoteSearchValue(value)}`).join(' OR ');
}

/** The customer search for a batch of emails; emails are compared lower-case, as Stripe search does. */
export function toCustomerEmailQuery(emails: readonly string[]): string {
  return toOrQuery(
    'email',
    emails.map((email) => email.toLowerCase()),
  );
}

/**
 * The search for a batch of customers' rows. Stripe's query language cannot mix AND with OR, so a batch of
 * several customers is `customer:"a" OR customer:"b"` and the filter is applied to the rows afterwards; a
 * single customer gets the filter in the query (`customer:"a" AND status:"paid" AND created>=...`), which
 * Stripe evaluates, so fewer rows come back. Several statuses cannot be ORed inside an AND: those are applied
 * afterwards too. Callers apply `matchesFilter` to every row either way.
 */
export function toCustomerRowsQuery(customerIds: readonly string[], filter: ListFilter): string {
  if (customerIds.length !== 1) return toOrQuery('customer', customerIds);
  const clauses = [`customer:${quoteSearchValue(customerIds[0]!)}`];
  if (filter.statuses?.length === 1) clauses.push(`status:${quoteSearchValue(filter.statuses[0]!)}`);
  if (filter.createdFrom !== null) clauses.push(`created>=${filter.createdFrom}`);
  if (filter.createdUntil !== null) clauses.push(`created<${filter.createdUntil}`);
  return clauses.join(' AND ');
}
