import type { Money } from './types.js';

/** Digits after the decimal point per ISO-4217 currency; 2 unless listed. */
const MINOR_DIGITS: Record<string, number> = { JPY: 0, KRW: 0, VND: 0, CLP: 0, ISK: 0, BHD: 3, KWD: 3, JOD: 3, OMR: 3, TND: 3 };

export function minorDigits(currency: string): number {
  return MINOR_DIGITS[currency.toUpperCase()] ?? 2;
}

/**
 * One formatter per currency code, made on first use. Building an Intl.NumberFormat costs far more than
 * formatting with one (it loads locale data): made per amount, it was the largest CPU cost of mapping a page
 * of invoices, paid between one vendor call and the next on a request's critical path. ISO 4217 has about 180
 * codes; Intl accepts any three letters, so vendor data could name more: past FORMATTER_LIMIT they are not kept.
 */
const FORMATTERS = new Map<string, Intl.NumberFormat>();
const FORMATTER_LIMIT = 256;

function formatterFor(code: string, digits: number): Intl.NumberFormat {
  let formatter = FORMATTERS.get(code);
  if (!formatter) {
    formatter = new Intl.NumberFormat('en-US', {
      style: 'currency',
      currency: code,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    });
    if (FORMATTERS.size < FORMATTER_LIMIT) FORMATTERS.set(code, formatter);
  }
  return formatter;
}

/** Money from an amount already in minor units (Stripe's way). */
export function moneyFromMinor(amount: number, currency: string): Money {
  const code = currency.toUpperCase();
  const digits = minorDigits(code);
  return { amount, currency: code, formatted: formatterFor(code, digits).format(amount / 10 ** digits) };
}

/**
 * Money from a decimal string such as "12500.00" (HubSpot's and the ERP's way), rounded half away from zero
 * to the currency's minor unit. Parsing the digits, not multiplying a float, keeps 0.29 at 29 cents.
 * Returns null for an empty or unparseable value: vendor data is not always clean.
 */
export function moneyFromDecimal(value: string | null | undefined, currency: string): Money | null {
  const match = value?.trim().match(/^(-)?(\d*)(?:\.(\d*))?$/);
  if (!value || !match || (match[2] === '' && !match[3])) return null;
  const digits = minorDigits(currency);
  const fraction = (match[3] ?? '').padEnd(digits + 1, '0');
  const units = Number(match[2] || '0') * 10 ** digits + Number(fraction.slice(0, digits) || '0');
  const rounded = units + (Number(fraction[digits]) >= 5 ? 1 : 0);
  return moneyFromMinor(match[1] ? -rounded : rounded, currency);
}
