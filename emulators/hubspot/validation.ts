import { validationError, type ErrorDetail } from './errors.js';
import type { PropertyDefinition } from './schema.js';

// Loose on purpose: HubSpot refuses what clearly is not an address, not every RFC corner.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Reads a date property value as HubSpot accepts it: ms since epoch or an ISO date(-time). */
export function parseDateValue(value: string): number | undefined {
  const trimmed = value.trim();
  if (/^-?\d+$/.test(trimmed)) return Number(trimmed);
  if (!/^\d{4}-\d{2}-\d{2}/.test(trimmed)) return undefined;
  const ms = Date.parse(trimmed);
  return Number.isNaN(ms) ? undefined : ms;
}

type Invalid = { name: string; error: string; message: string };

function check(definition: PropertyDefinition, value: string): { value: string } | Invalid {
  const name = definition.name;
  if (definition.readOnly) {
    return { name, error: 'READ_ONLY_VALUE', message: `"${name}" is a read only property; its value cannot be set.` };
  }
  switch (definition.type) {
    case 'string':
      if (definition.email && !EMAIL.test(value)) {
        return { name, error: 'INVALID_EMAIL', message: `Email address ${value} is invalid` };
      }
      // HubSpot keeps emails lowercase, which is also what makes the duplicate check case-insensitive.
      return { value: definition.email ? value.trim().toLowerCase() : value };
    case 'number':
      return value.trim() !== '' && Number.isFinite(Number(value))
        ? { value: value.trim() }
        : { name, error: 'INVALID_DECIMAL', message: `${value} was not a valid number.` };
    case 'datetime': {
      const ms = parseDateValue(value);
      return ms === undefined
        ? { name, error: 'INVALID_DATE', message: `${value} was not a valid date or timestamp.` }
        : { value: new Date(ms).toISOString() };
    }
    case 'date': {
      // A date property holds a day; HubSpot keeps it as midnight UTC.
      const ms = parseDateValue(value);
      return ms === undefined
        ? { name, error: 'INVALID_DATE', message: `${value} was not a valid date or timestamp.` }
        : { value: new Date(ms).toISOString().slice(0, 10) };
    }
    case 'bool':
      return value === 'true' || value === 'false'
        ? { value }
        : { name, error: 'INVALID_BOOLEAN', message: `${value} was not a valid boolean (true or false).` };
    case 'enumeration':
      return definition.options?.includes(value)
        ? { value }
        : { name, error: 'INVALID_OPTION', message: `${value} was not one of the allowed options: [${definition.options?.join(', ')}]` };
    default: {
      const unreachable: never = definition.type;
      throw new Error(`unknown property type ${String(unreachable)}`);
    }
  }
}

/**
 * Checks a create/update `properties` object against the definitions and returns it normalized (strings,
 * emails lowercased, dates ISO, '' and null clearing the value). Every failure is reported at once, in the
 * body HubSpot sends: a message embedding the list, plus `errors` with one entry per property.
 */
export function validateProperties(definitions: ReadonlyMap<string, PropertyDefinition>, input: unknown): Record<string, string | null> {
  if (input === undefined) return {};
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw validationError('Invalid input JSON: "properties" must be an object of property names to values.');
  }
  const valid: Record<string, string | null> = {};
  const invalid: Invalid[] = [];
  for (const [name, raw] of Object.entries(input)) {
    const definition = definitions.get(name);
    if (!definition) {
      invalid.push({ name, error: 'PROPERTY_DOESNT_EXIST', message: `Property "${name}" does not exist` });
      continue;
    }
    if (raw === null || raw === '') {
      valid[name] = null;
      continue;
    }
    if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
      invalid.push({ name, error: 'INVALID_PROPERTY_VALUE', message: `Property "${name}" must be a string` });
      continue;
    }
    const result = check(definition, String(raw));
    if ('value' in result) valid[name] = result.value;
    else invalid.push(result);
  }
  if (invalid.length > 0) {
    const listed = invalid.map((entry) => ({ isValid: false, message: entry.message, error: entry.error, name: entry.name }));
    const errors: ErrorDetail[] = invalid.map((entry) => ({
      message: entry.message,
      code: entry.error,
      context: { propertyName: [entry.name] },
    }));
    throw validationError(`Property values were not valid: ${JSON.stringify(listed)}`, errors);
  }
  return valid;
}
