import { clientFault } from './faults.js';
import type { FieldSpec } from './page-schemas.js';
import { isIsoDate, parseBoolean, parseDateTime, parseDecimal } from './values.js';

/**
 * NAV's filter syntax for one field's Criteria: `A|B` (OR), `A&B` (AND), ranges `10..20`, `..20`, `10..`,
 * comparisons `<>X`, `>X`, `>=X`, `<X`, `<=X`, `=X`, wildcards `*` and `?` (text and code fields), `@` for a
 * case-insensitive match, `''` for the empty value, and single quotes around a literal holding those characters
 * (`'A|B'`, with `''` inside quotes for a quote). Parentheses are not supported.
 */

/** A field's value as the filter sees it: text, hundredths, an integer, an ISO date or a boolean. */
export type FieldValue = string | number | boolean;
export type FieldPredicate = (value: FieldValue) => boolean;

type Comparable = string | number;

function splitTopLevel(criteria: string, separator: '|' | '&'): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (const char of criteria) {
    if (char === "'") quoted = !quoted;
    if (char === separator && !quoted) {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts;
}

/** Finds `..` outside quotes. */
function rangeIndex(term: string): number {
  let quoted = false;
  for (let index = 0; index < term.length - 1; index++) {
    if (term[index] === "'") quoted = !quoted;
    if (!quoted && term[index] === '.' && term[index + 1] === '.') return index;
  }
  return -1;
}

function unquote(text: string): { text: string; quoted: boolean } {
  if (text.length >= 2 && text.startsWith("'") && text.endsWith("'")) {
    return { text: text.slice(1, -1).replace(/''/g, "'"), quoted: true };
  }
  return { text, quoted: false };
}

const compare = (left: Comparable, right: Comparable): number => (left < right ? -1 : left > right ? 1 : 0);

export function compileFilter(page: string, field: FieldSpec, criteria: string): FieldPredicate {
  const invalid = (reason: string) =>
    clientFault(`The filter "${criteria}" is not valid for the ${field.name} field on the ${page} page. ${reason}`);
  const textual = field.kind === 'code' || field.kind === 'text';

  const toComparable = (raw: string, ignoreCase: boolean): Comparable => {
    const { text, quoted } = unquote(raw);
    if (!quoted && /[()]/.test(text)) throw invalid('Parentheses are not supported by the emulator.');
    switch (field.kind) {
      case 'code':
        return ignoreCase ? text.toLowerCase() : text.toUpperCase();
      case 'text':
        return ignoreCase ? text.toLowerCase() : text;
      case 'date':
        if (text === '' || isIsoDate(text)) return text;
        throw invalid(`The value "${text}" can't be evaluated into type Date (use YYYY-MM-DD).`);
      case 'datetime': {
        const value = parseDateTime(text);
        if (value === undefined) {
          throw invalid(`The value "${text}" can't be evaluated into type DateTime (use ISO 8601, e.g. 2026-11-30T07:00:00Z).`);
        }
        return value;
      }
      case 'decimal': {
        const value = parseDecimal(text);
        if (value === undefined) throw invalid(`The value "${text}" can't be evaluated into type Decimal.`);
        return value;
      }
      case 'integer':
        if (/^-?\d+$/.test(text)) return Number(text);
        throw invalid(`The value "${text}" can't be evaluated into type Integer.`);
      case 'boolean': {
        const value = parseBoolean(text);
        if (value === undefined) throw invalid(`The value "${text}" can't be evaluated into type Boolean.`);
        return value ? 1 : 0;
      }
      case 'option': {
        const index = field.options?.indexOf(text === '' ? '_blank_' : text) ?? -1;
        if (index < 0) throw invalid(`"${text}" is not one of ${field.options?.join(', ')}.`);
        return index;
      }
    }
  };

  const fromValue = (value: FieldValue, ignoreCase: boolean): Comparable => {
    if (typeof value === 'boolean') return value ? 1 : 0;
    if (field.kind === 'option') return field.options?.indexOf(String(value)) ?? -1;
    if (typeof value === 'string' && ignoreCase) return value.toLowerCase();
    return value;
  };

  const compileTerm = (rawTerm: string): FieldPredicate => {
    const ignoreCase = rawTerm.startsWith('@');
    if (ignoreCase && !textual) throw invalid('@ applies to text and code fields only.');
    const term = ignoreCase ? rawTerm.slice(1) : rawTerm;
    const at = (value: FieldValue) => fromValue(value, ignoreCase);

    const dots = rangeIndex(term);
    if (dots >= 0) {
      const low = term.slice(0, dots);
      const high = term.slice(dots + 2);
      const from = low === '' ? undefined : toComparable(low, ignoreCase);
      const to = high === '' ? undefined : toComparable(high, ignoreCase);
      return (value) => (from === undefined || compare(at(value), from) >= 0) && (to === undefined || compare(at(value), to) <= 0);
    }

    const operator = /^(<>|>=|<=|>|<|=)/.exec(term)?.[0];
    if (operator) {
      const operand = toComparable(term.slice(operator.length), ignoreCase);
      const test: Record<string, (order: number) => boolean> = {
        '<>': (order) => order !== 0,
        '>=': (order) => order >= 0,
        '<=': (order) => order <= 0,
        '>': (order) => order > 0,
        '<': (order) => order < 0,
        '=': (order) => order === 0,
      };
      const accepts = test[operator]!;
      return (value) => accepts(compare(at(value), operand));
    }

    const { text, quoted } = unquote(term);
    if (!quoted && /[*?]/.test(text)) {
      if (!textual) throw invalid('Wildcards apply to text and code fields only.');
      const pattern = (field.kind === 'code' ? text.toUpperCase() : text)
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.');
      const regex = new RegExp(`^${pattern}$`, ignoreCase ? 'is' : 's');
      return (value) => regex.test(String(value));
    }
    const operand = toComparable(term, ignoreCase);
    return (value) => compare(at(value), operand) === 0;
  };

  const alternatives = splitTopLevel(criteria, '|').map((alternative) => splitTopLevel(alternative, '&').map(compileTerm));
  return (value) => alternatives.some((all) => all.every((predicate) => predicate(value)));
}
