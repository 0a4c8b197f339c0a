/** Customer filters -> HubSpot's search request (filters and free-text query). Pure. */
import type { CustomerFilter } from './__generated__/resolvers.js';

export type SearchFilter = { propertyName: string; operator: string; value?: string; values?: string[] };

/** A HubSpot search request body for a customer filter: one filter group, every condition ANDed. */
export function toContactSearch(filter: CustomerFilter): { filters: SearchFilter[]; query?: string } {
  const filters: SearchFilter[] = [];
  if (filter.email) filters.push({ propertyName: 'email', operator: 'EQ', value: filter.email.toLowerCase() });
  if (filter.companyId) filters.push({ propertyName: 'associations.company', operator: 'EQ', value: filter.companyId });
  if (filter.updatedSince) {
    filters.push({ propertyName: 'lastmodifieddate', operator: 'GTE', value: String(new Date(filter.updatedSince).getTime()) });
  }
  const query = filter.search?.trim();
  return query ? { filters, query } : { filters };
}
