import { describe, expect, it } from 'vitest';
import { toContactProperties } from '../../../subgraphs/crm/input.js';

describe('contact input', () => {
  it('turns input into properties: only given fields, null clears, emails lower-case', () => {
    expect(toContactProperties({ email: ' Ada@Example.COM ', city: null, jobTitle: undefined })).toEqual({
      email: 'ada@example.com',
      city: '',
    });
  });
});
