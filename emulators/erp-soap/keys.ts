import { clientFault } from './faults.js';
import type { PageName } from './page-schemas.js';

/**
 * NAV's Key is an opaque bookmark that also carries the record's row version, which is what makes Update and
 * Delete optimistic: a Key read before someone else's change no longer matches. Ours is base64 of
 * `[page, No, version]`; clients must treat it as opaque, as they must with NAV's.
 */
export type RecordKey = { page: PageName; no: string; version: number };

/** A sales line's Key names its order, its line number and the order version it was read at. */
export type LineKey = { orderNo: string; lineNo: number; version: number };

const encode = (parts: readonly (string | number)[]): string => Buffer.from(JSON.stringify(parts)).toString('base64');

function decode(key: string): unknown {
  try {
    return JSON.parse(Buffer.from(key, 'base64').toString('utf8'));
  } catch {
    return undefined;
  }
}

export const encodeKey = (page: PageName, no: string, version: number): string => encode([page, no, version]);

export function decodeKey(page: PageName, key: string): RecordKey {
  const parts = decode(key);
  if (Array.isArray(parts) && parts.length === 3 && parts[0] === page && typeof parts[1] === 'string' && Number.isInteger(parts[2])) {
    return { page, no: parts[1], version: parts[2] as number };
  }
  throw clientFault(`The key "${key}" is not a valid ${page} key.`);
}

export const encodeLineKey = (orderNo: string, lineNo: number, version: number): string =>
  encode(['Sales_Order_Line', orderNo, lineNo, version]);

export function decodeLineKey(key: string): LineKey {
  const parts = decode(key);
  if (
    Array.isArray(parts) &&
    parts.length === 4 &&
    parts[0] === 'Sales_Order_Line' &&
    typeof parts[1] === 'string' &&
    Number.isInteger(parts[2]) &&
    Number.isInteger(parts[3])
  ) {
    return { orderNo: parts[1], lineNo: parts[2] as number, version: parts[3] as number };
  }
  throw clientFault(`The key "${key}" is not a valid Sales_Order_Line key.`);
}
