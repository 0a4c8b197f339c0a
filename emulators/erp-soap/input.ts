import { clientFault } from './faults.js';
import type { FieldSpec } from './page-schemas.js';
import { isIsoDate, parseBoolean, parseDateTime, parseDecimal } from './values.js';

/**
 * Turns a record element as the soap server parsed it into typed values. The server is configured to hand over
 * every simple value as its raw text (see the customDeserializer in soap-page.ts), so the checks and messages
 * here are ours and not the parser's guesses.
 */

export type TypedValue = string | number | boolean;
export type TypedInput = Map<string, TypedValue>;

/** What soap hands a service for one XML element: text, a nested element, a list, or null when empty. */
export type SoapValue = string | number | boolean | null | undefined | SoapObject | SoapValue[];
export type SoapObject = { [name: string]: SoapValue };

export function isSoapObject(value: SoapValue): value is SoapObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One or many: soap gives a single element as a value and repeated ones as an array. */
export function asList(value: SoapValue): SoapValue[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

export function asText(value: SoapValue): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') throw clientFault('A simple value was expected where an element was sent.');
  return String(value);
}

/** soap's parser keeps XML attributes under this key; page elements carry none we need. */
const ATTRIBUTES = 'attributes';

/**
 * The typed fields present in `element`. Fields that are not editable in `mode` are skipped silently, because
 * NAV clients send back whole records they read (with Amounts and FlowFields) and NAV ignores those. `allowed`
 * names nested elements the caller handles itself (SalesLines, Key).
 */
export function readRecordInput(
  recordName: string,
  fields: readonly FieldSpec[],
  element: SoapValue,
  mode: 'create' | 'update',
  allowed: readonly string[] = [],
): TypedInput {
  if (element !== null && element !== undefined && !isSoapObject(element)) {
    throw clientFault(`The ${recordName} element must contain the record's fields.`);
  }
  const input: TypedInput = new Map();
  for (const [name, raw] of Object.entries(element ?? {})) {
    if (name === ATTRIBUTES || allowed.includes(name)) continue;
    const field = fields.find((candidate) => candidate.name === name);
    if (!field) throw clientFault(`The element ${name} is not a field of ${recordName}.`);
    const writable = field.editable === 'always' || (field.editable === 'create' && mode === 'create');
    if (!writable) continue;
    input.set(name, readValue(recordName, field, raw));
  }
  return input;
}

export function readValue(recordName: string, field: FieldSpec, raw: SoapValue): TypedValue {
  const text = asText(raw);
  const invalid = (expected: string) =>
    clientFault(`The value "${text}" of ${recordName}.${field.name} can't be evaluated into type ${expected}.`);
  switch (field.kind) {
    case 'code':
    case 'text': {
      if (field.length !== undefined && text.length > field.length) {
        throw clientFault(
          `The length of the string for ${recordName}.${field.name} is ${text.length}, but it must be less than or equal to ${field.length} characters.`,
        );
      }
      return field.kind === 'code' ? text.toUpperCase() : text;
    }
    case 'decimal': {
      const value = parseDecimal(text);
      if (value === undefined) throw invalid('Decimal (at most two decimal places)');
      return value;
    }
    case 'integer':
      if (!/^-?\d+$/.test(text)) throw invalid('Integer');
      return Number(text);
    case 'date':
      if (text !== '' && !isIsoDate(text)) throw invalid('Date (YYYY-MM-DD)');
      return text;
    case 'datetime': {
      const value = parseDateTime(text);
      if (value === undefined) throw invalid('DateTime (ISO 8601)');
      return value;
    }
    case 'boolean': {
      const value = parseBoolean(text);
      if (value === undefined) throw invalid('Boolean');
      return value;
    }
    case 'option':
      if (!field.options?.includes(text)) throw invalid(`Option (${field.options?.join(', ')})`);
      return text;
  }
}
