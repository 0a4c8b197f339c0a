import { describe, expect, it } from 'vitest';
import { toMetadataParam } from '../../../subgraphs/payments/input.js';

describe('metadata input', () => {
  it('accepts string maps and names what is wrong otherwise', () => {
    expect(toMetadataParam({ order: 'A-1' })).toEqual({ order: 'A-1' });
    expect(toMetadataParam(null)).toEqual({});
    expect(toMetadataParam({ order: 1 })).toBe('value of "order" must be a string');
    expect(toMetadataParam(['a'])).toBe('must be an object of string values');
  });
});
