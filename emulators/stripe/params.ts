import type { Request } from 'express';
import { invalidRequest } from './errors.js';
import type { Metadata } from './types.js';

/** Decoded request parameters: the SDK sends them in the query string on GET/DELETE and form-encoded on POST. */
export type Params = Record<string, unknown>;

export function paramsOf(req: Request): Params {
  const query = (req.query ?? {}) as Params;
  const body = req.body && typeof req.body === 'object' ? (req.body as Params) : {};
  return { ...query, ...body };
}

/** Form arrays arrive as arrays (`x[]=`, `x[0]=`) or, past qs's index limit, as objects keyed by index. */
export function arrayParam(value: unknown): unknown[] {
  if (value === undefined || value === '') return [];
  if (Array.isArray(value)) return value;
  if (value && typeof value === 'object') return Object.values(value);
  return [value];
}

export function stringParam(params: Params, name: string, required: true): string;
export function stringParam(params: Params, name: string, required?: false): string | undefined;
export function stringParam(params: Params, name: string, required = false): string | undefined {
  const value = params[name];
  if (value === undefined) {
    if (required) throw invalidRequest(`Missing required param: ${name}.`, { param: name, code: 'parameter_missing' });
    return undefined;
  }
  if (typeof value !== 'string') throw invalidRequest(`Invalid string: ${JSON.stringify(value)}`, { param: name });
  return value;
}

export function intParam(params: Params, name: string, required: true): number;
export function intParam(params: Params, name: string, required?: false): number | undefined;
export function intParam(params: Params, name: string, required = false): number | undefined {
  const raw = stringParam(params, name, required as false);
  if (raw === undefined) return undefined;
  if (!/^-?\d+$/.test(raw)) throw invalidRequest(`Invalid integer: ${raw}`, { param: name });
  return Number(raw);
}

export function boolParam(params: Params, name: string): boolean | undefined {
  const raw = stringParam(params, name);
  if (raw === undefined) return undefined;
  if (raw !== 'true' && raw !== 'false') throw invalidRequest(`Invalid boolean: ${raw}`, { param: name });
  return raw === 'true';
}

/** Like stringParam, but an empty string (the SDK's encoding of null) means "unset". */
export function nullableString(params: Params, name: string): string | null | undefined {
  const value = stringParam(params, name);
  return value === '' ? null : value;
}

/**
 * Stripe's metadata update rules: keys merge into what is there, an empty value removes its key, and
 * `metadata=` (empty) clears everything.
 */
export function mergeMetadata(current: Metadata, update: unknown, param = 'metadata'): Metadata {
  if (update === undefined) return current;
  if (update === '') return {};
  if (!update || typeof update !== 'object' || Array.isArray(update)) {
    throw invalidRequest('Invalid object', { param });
  }
  const next: Metadata = { ...current };
  for (const [key, value] of Object.entries(update as Record<string, unknown>)) {
    if (typeof value !== 'string') throw invalidRequest('Invalid metadata value', { param: `${param}[${key}]` });
    if (key.length > 40) throw invalidRequest('Metadata keys can be at most 40 characters.', { param: `${param}[${key}]` });
    if (value === '') delete next[key];
    else next[key] = value;
  }
  if (Object.keys(next).length > 50) throw invalidRequest('Metadata can have at most 50 keys.', { param });
  return next;
}

/** Throws on a currency that is not a lowercase ISO code; the emulator accepts any three-letter code. */
export function currencyParam(params: Params, name = 'currency'): string | undefined {
  const value = stringParam(params, name);
  if (value === undefined) return undefined;
  if (!/^[a-zA-Z]{3}$/.test(value)) throw invalidRequest(`Invalid currency: ${value}.`, { param: name });
  return value.toLowerCase();
}
