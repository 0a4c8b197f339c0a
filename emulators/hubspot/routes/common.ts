import type { Request } from 'express';
import { validationError } from '../errors.js';
import { parseObjectType, type ObjectType } from '../schema.js';
import type { CrmStore } from '../store.js';

/** What the CRM routes share within one emulator instance. */
export type CrmContext = {
  store: CrmStore;
  clock: () => number;
  /** How long a write takes to reach search's index (HubSpot's search is eventually consistent); 0 instant. */
  searchLagMs: number;
};

export function objectTypeParam(value: string | undefined): ObjectType {
  const type = value === undefined ? undefined : parseObjectType(value);
  if (!type) throw validationError(`Unable to infer object type from: ${value ?? ''}`);
  return type;
}

/** The JSON body as an object; anything else (an array, a string, nothing) is HubSpot's 400. */
export function bodyObject(req: Request): Record<string, unknown> {
  const body: unknown = req.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw validationError('Invalid input JSON: the request body must be a JSON object.');
  }
  return body as Record<string, unknown>;
}

export function booleanParam(value: unknown): boolean {
  return value === 'true' || value === true;
}

/** An integer query/body parameter within bounds, else HubSpot's 400 naming the parameter. */
export function intParam(value: unknown, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined || value === null || value === '') return fallback;
  const number = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(number) || number < min || number > max) {
    throw validationError(`${name} must be an integer between ${min} and ${max}, got ${String(value)}`);
  }
  return number;
}

/** The base URL the caller used, so `paging.next.link` points back at this emulator. */
export function baseUrl(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? '127.0.0.1'}`;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
