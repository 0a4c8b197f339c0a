import { describe, expect, it } from 'vitest';
import { toContactSearch } from '../../../subgraphs/crm/search.js';

describe('customer search', () => {
  it('builds one AND-ed search group from a filter', () => {
    expect(toContactSearch({ email: 'A@B.com', companyId: '5001', updatedSince: '2026-01-01T00:00:00Z', search: ' ada ' })).toEqual({
      filters: [
        { propertyName: 'email', operator: 'EQ', value: 'a@b.com' },
        { propertyName: 'associations.company', operator: 'EQ', value: '5001' },
        { propertyName: 'lastmodifieddate', operator: 'GTE', value: String(Date.parse('2026-01-01T00:00:00Z')) },
      ],
      query: 'ada',
    });
  });
});
