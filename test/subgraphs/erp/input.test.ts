import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../platform/index.js';
import { keyFromVersion, toDecimalText, toLineElement, toQuantityText } from '../../../subgraphs/erp/input.js';
import { toVersion } from '../../../subgraphs/erp/mapping.js';

describe('versions', () => {
  it('carries the NAV Key bound to its order number', () => {
    const version = toVersion('SO-10042', 'KEY;1');
    expect(version).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(keyFromVersion(version, 'SO-10042')).toBe('KEY;1');
  });

  it('refuses a version of another order or one it did not give out', () => {
    expect(() => keyFromVersion(toVersion('SO-1', 'K'), 'SO-2')).toThrow(
      expect.objectContaining({ extensions: { code: ErrorCode.BAD_USER_INPUT, field: 'input.version' } }),
    );
    expect(() => keyFromVersion('not-a-version', 'SO-2')).toThrow(/not a version this API gave out/);
  });
});

describe('order input', () => {
  it('writes quantities and minor-unit prices as NAV decimals', () => {
    expect(toQuantityText(2.5, 'q')).toBe('2.5');
    expect(toDecimalText(1999, 'EUR', 'p')).toBe('19.99');
    expect(toDecimalText(5, 'EUR', 'p')).toBe('0.05');
    expect(toDecimalText(1250, 'JPY', 'p')).toBe('1250');
    expect(toDecimalText(1250, 'KWD', 'p')).toBe('1.250');
  });

  it('refuses quantities NAV would round and negative prices, naming the field', () => {
    for (const bad of [0, -1, 0.125, Number.NaN]) {
      expect(() => toQuantityText(bad, 'input.lines.0.quantity')).toThrow(
        expect.objectContaining({ extensions: { code: ErrorCode.BAD_USER_INPUT, field: 'input.lines.0.quantity' } }),
      );
    }
    expect(() => toDecimalText(-1, 'EUR', 'input.lines.0.unitPrice')).toThrow(/input.lines.0.unitPrice/);
  });

  it("builds line elements in the WSDL's element order, item numbers as NAV codes", () => {
    const element = toLineElement({ productNumber: ' ab-1 ', quantity: 3, unitPrice: 1000, description: 'Desk' }, 'EUR', 'input.lines.0');
    expect(element).toEqual({ Type: 'Item', No: 'AB-1', Description: 'Desk', Quantity: '3', Unit_Price: '10.00' });
    expect(Object.keys(element)).toEqual(['Type', 'No', 'Description', 'Quantity', 'Unit_Price']);
    expect(toLineElement({ lineNumber: 10000, quantity: 1 }, 'EUR', 'input.changeLines.0')).toEqual({ Quantity: '1' });
  });
});
