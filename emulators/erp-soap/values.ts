/**
 * How page values travel: decimals are kept as integer hundredths (money never meets floating point) and go on
 * the wire as xsd:decimal with two places ("1250.00"); dates are ISO `YYYY-MM-DD` strings end to end, because
 * the soap package serialises Date objects as empty elements.
 */

const DECIMAL = /^([+-]?)(\d{1,13})(?:\.(\d{1,2})0*)?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 24 * 3600 * 1000;

export function formatDecimal(hundredths: number): string {
  const sign = hundredths < 0 ? '-' : '';
  const abs = Math.abs(hundredths);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** Hundredths, or undefined when the text is not a decimal with at most two significant places. */
export function parseDecimal(text: string): number | undefined {
  const match = DECIMAL.exec(text.trim());
  if (!match) return undefined;
  const [, sign, whole, fraction = ''] = match;
  const value = Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
  return sign === '-' ? -value : value;
}

/** Rounds half away from zero, as NAV's default amount rounding precision of 0.01 does. */
export function multiplyHundredths(quantity: number, unitPrice: number): number {
  const product = quantity * unitPrice;
  return Math.sign(product) * Math.round(Math.abs(product) / 100);
}

export function percentOf(hundredths: number, percent: number): number {
  return Math.sign(hundredths) * Math.round((Math.abs(hundredths) * percent) / 100);
}

export function isIsoDate(text: string): boolean {
  const match = DATE.exec(text);
  if (!match) return false;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return date.toISOString().slice(0, 10) === text;
}

/** xsd:dateTime with a zone (`Z` or `±hh:mm`); without one, UTC (the emulator's service time zone). */
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})?$/;

/** Milliseconds since the epoch, or undefined when the text is not an ISO 8601 date-time of a real instant. */
export function parseDateTime(text: string): number | undefined {
  const match = DATE_TIME.exec(text.trim());
  if (!match || !isIsoDate(match[1]!)) return undefined;
  const [, date, hours, minutes, seconds = '00', fraction = '', zone = 'Z'] = match;
  if (Number(hours) > 23 || Number(minutes) > 59 || Number(seconds) > 59) return undefined;
  // Beyond milliseconds (NAV keeps ticks) the digits are dropped, never rounded up into the next millisecond.
  const ms = fraction === '' ? '' : `.${fraction.slice(1, 4).padEnd(3, '0')}`;
  const value = Date.parse(`${date}T${hours}:${minutes}:${seconds}${ms}${zone}`);
  return Number.isNaN(value) ? undefined : value;
}

export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function addDays(date: string, days: number): string {
  return isoDate(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS);
}

/** xsd:boolean's lexical forms, plus NAV's Yes/No that people type into filters. */
export function parseBoolean(text: string): boolean | undefined {
  switch (text.trim().toLowerCase()) {
    case 'true':
    case '1':
    case 'yes':
      return true;
    case 'false':
    case '0':
    case 'no':
      return false;
    default:
      return undefined;
  }
}
