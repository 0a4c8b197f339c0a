import { describe, expect, it } from 'vitest';
import { moneyFromDecimal, moneyFromMinor } from '../../../subgraphs/kit/money.js';

describe('Money', () => {
  it('formats minor units in the currency', () => {
    expect(moneyFromMinor(1250, 'eur')).toEqual({ amount: 1250, currency: 'EUR', formatted: '€12.50' });
    expect(moneyFromMinor(1250, 'JPY')).toEqual({ amount: 1250, currency: 'JPY', formatted: '¥1,250' });
    expect(moneyFromMinor(-500, 'USD').formatted).toBe('-$5.00');
  });

  it('formats each currency in its own way, whichever was formatted before', () => {
    // The formatters are kept per currency code: alternating codes and cases must not mix them up.
    const amounts = ['eur', 'JPY', 'EUR', 'kwd', 'jpy'].map((currency) => moneyFromMinor(12345, currency).formatted);
    expect(amounts).toEqual(['€123.45', '¥12,345', '€123.45', 'KWD\u00a012.345', '¥12,345']);
    expect(() => moneyFromMinor(1, 'not a code')).toThrow(RangeError);
  });

  it('parses decimal strings exactly, rounding half away from zero', () => {
    expect(moneyFromDecimal('12500.00', 'USD')?.amount).toBe(1250000);
    expect(moneyFromDecimal('0.29', 'EUR')?.amount).toBe(29);
    expect(moneyFromDecimal('1.005', 'EUR')?.amount).toBe(101);
    expect(moneyFromDecimal('-1.005', 'EUR')?.amount).toBe(-101);
    expect(moneyFromDecimal('7', 'GBP')?.amount).toBe(700);
    expect(moneyFromDecimal('.5', 'GBP')?.amount).toBe(50);
    expect(moneyFromDecimal('1.2', 'BHD')?.amount).toBe(1200);
  });

  it('returns null for empty or unreadable values', () => {
    for (const value of [null, undefined, '', ' ', 'abc', '1.2.3', '.']) expect(moneyFromDecimal(value, 'USD')).toBeNull();
  });
});
