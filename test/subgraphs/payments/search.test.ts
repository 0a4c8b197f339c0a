import { describe, expect, it } from 'vitest';
import {
  matchesFilter,
  quoteSearchValue,
  toCustomerEmailQuery,
  toCustomerRowsQuery,
  toListFilter,
} from '../../../subgraphs/payments/search.js';

const T = 1_780_000_000; // 2026-05-28T20:26:40Z

describe('search queries', () => {
  it('quotes values and escapes backslashes and double quotes', () => {
    expect(quoteSearchValue('plain')).toBe('"plain"');
    expect(quoteSearchValue('a"b\\c')).toBe('"a\\"b\\\\c"');
  });

  it('ORs emails lower-case', () => {
    expect(toCustomerEmailQuery(['Ada@Example.com', 'ben@example.com'])).toBe('email:"ada@example.com" OR email:"ben@example.com"');
  });

  it('ORs several customers and leaves the filter to be applied to the rows', () => {
    const filter = toListFilter({ status: ['PAID'], createdAfter: '2026-01-01T00:00:00Z' });
    expect(toCustomerRowsQuery(['cus_1', 'cus_2'], filter)).toBe('customer:"cus_1" OR customer:"cus_2"');
  });

  it('puts the filter into the query for one customer, except several statuses', () => {
    const filter = toListFilter({
      status: ['PAID'],
      createdAfter: '2026-01-01T00:00:00Z',
      createdBefore: new Date('2026-02-01T00:00:00.500Z'),
    });
    expect(toCustomerRowsQuery(['cus_1'], filter)).toBe(
      'customer:"cus_1" AND status:"paid" AND created>=1767225600 AND created<1769904001',
    );
    expect(toCustomerRowsQuery(['cus_1'], toListFilter({ status: ['PAID', 'OPEN'] }))).toBe('customer:"cus_1"');
  });

  it('filters rows with after inclusive and before exclusive', () => {
    const filter = toListFilter({ status: ['OPEN', 'PAID'], createdAfter: new Date(T * 1000), createdBefore: new Date((T + 10) * 1000) });
    expect(matchesFilter({ status: 'paid', created: T }, filter)).toBe(true);
    expect(matchesFilter({ status: 'paid', created: T + 10 }, filter)).toBe(false);
    expect(matchesFilter({ status: 'void', created: T }, filter)).toBe(false);
    expect(matchesFilter({ status: null, created: T }, toListFilter(null))).toBe(true);
  });
});
