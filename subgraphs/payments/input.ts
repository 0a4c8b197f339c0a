/**
 * Schema input -> Stripe request parameters: the encodings and the checks Stripe would otherwise refuse later
 * with a less helpful message. Pure.
 */
import type { CaptureMethod } from './__generated__/resolvers.js';

export function toCaptureMethodParam(method: CaptureMethod): 'automatic' | 'automatic_async' | 'manual' {
  return method.toLowerCase() as 'automatic' | 'automatic_async' | 'manual';
}

/** Metadata input (JSON) as Stripe's string map, or an error message naming what is wrong. */
export function toMetadataParam(value: unknown): Record<string, string> | string {
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) return 'must be an object of string values';
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > 50) return 'may have at most 50 keys';
  for (const [key, field] of entries) {
    if (typeof field !== 'string') return `value of "${key}" must be a string`;
    if (key.length > 40) return `key "${key.slice(0, 40)}..." is longer than 40 characters`;
    if (field.length > 500) return `value of "${key}" is longer than 500 characters`;
  }
  return Object.fromEntries(entries) as Record<string, string>;
}
