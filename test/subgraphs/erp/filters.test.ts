import { describe, expect, it } from 'vitest';
import { anyOf, invoiceFilters, navLiteral, orderFilters } from '../../../subgraphs/erp/filters.js';

describe('NAV filters', () => {
  it('passes plain values through and quotes values holding filter syntax, doubling quotes', () => {
    expect(navLiteral('C00001')).toBe('C00001');
    expect(navLiteral('A|B')).toBe("'A|B'");
    expect(navLiteral("O'BRIEN & CO")).toBe("'O''BRIEN & CO'");
    expect(navLiteral('10..20')).toBe("'10..20'");
    expect(navLiteral('<>X')).toBe("'<>X'");
    expect(navLiteral('PO-*')).toBe("'PO-*'");
    expect(navLiteral('@x')).toBe("'@x'");
    expect(navLiteral('(1)')).toBe("'(1)'");
    expect(navLiteral('')).toBe("''");
  });

  it('ORs values and refuses an empty list (an empty criteria would match every record)', () => {
    expect(anyOf(['C00001', 'C00002', 'X|Y'])).toBe("C00001|C00002|'X|Y'");
    expect(() => anyOf([])).toThrow();
  });

  it('builds the batched order and invoice filters', () => {
    expect(orderFilters(['C00001', 'C00002'], ['OPEN', 'PENDING_APPROVAL'])).toEqual([
      { Field: 'Sell_to_Customer_No', Criteria: 'C00001|C00002' },
      { Field: 'Status', Criteria: 'Open|Pending_Approval' },
    ]);
    expect(orderFilters(['C00001'], [])).toEqual([{ Field: 'Sell_to_Customer_No', Criteria: 'C00001' }]);
    expect(invoiceFilters(['C00001'], 'OPEN')).toEqual([
      { Field: 'Sell_to_Customer_No', Criteria: 'C00001' },
      { Field: 'Closed', Criteria: 'false' },
    ]);
  });
});
