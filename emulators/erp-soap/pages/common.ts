import { clientFault } from '../faults.js';
import type { TypedInput } from '../input.js';
import { CURRENCIES } from '../page-schemas.js';

/** The next number in a series like "C00042" or "SO-10001": one past the highest in use. */
export function nextNumber(prefix: string, width: number, used: Iterable<string>, taken: ReadonlySet<string>): string {
  const pattern = new RegExp(`^${prefix.replace(/[-]/g, '\\-')}(\\d+)$`);
  let highest = 0;
  for (const no of [...used, ...taken]) {
    const match = pattern.exec(no);
    if (match) highest = Math.max(highest, Number(match[1]));
  }
  return `${prefix}${String(highest + 1).padStart(width, '0')}`;
}

/** NAV checks a currency code against its Currency table; '' is the local currency. */
export function checkCurrency(code: string): void {
  if (code !== '' && !(CURRENCIES as readonly string[]).includes(code)) {
    throw clientFault(`The Currency does not exist. Identification fields and values: Code='${code}'`);
  }
}

export const text = (input: TypedInput, name: string, fallback: string): string => {
  const value = input.get(name);
  return typeof value === 'string' ? value : fallback;
};

export const amount = (input: TypedInput, name: string, fallback: number): number => {
  const value = input.get(name);
  return typeof value === 'number' ? value : fallback;
};

export const flag = (input: TypedInput, name: string, fallback: boolean): boolean => {
  const value = input.get(name);
  return typeof value === 'boolean' ? value : fallback;
};
