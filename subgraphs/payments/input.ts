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

// ---- customer details (customer sync) ----

/** Stripe's limits on a customer's contact fields (its API refuses longer ones). */
const CUSTOMER_TEXT_MAX = { name: 256, phone: 20, email: 512, line: 200 } as const;

export type CustomerDetailsInput = {
  name?: string | null;
  email?: string | null;
  phone?: string | null;
  address?: {
    line1?: string | null;
    line2?: string | null;
    city?: string | null;
    postalCode?: string | null;
    state?: string | null;
    country?: string | null;
  } | null;
  metadata?: unknown;
};

/**
 * updateBillingCustomer's input as Stripe's customer update parameters (pure). Returns the parameters, or a
 * problem naming the input field. Fields not given are left out, so Stripe keeps them; "" clears an address part
 * or removes a metadata key, as Stripe reads an empty string.
 */
export function toCustomerUpdateParams(
  input: CustomerDetailsInput,
): { params: Record<string, unknown> } | { problem: string; field: string } {
  const params: Record<string, unknown> = {};
  for (const key of ['name', 'email', 'phone'] as const) {
    const value = input[key];
    if (value === undefined) continue;
    if (value !== null && value.length > CUSTOMER_TEXT_MAX[key])
      return { problem: `input.${key} is longer than ${CUSTOMER_TEXT_MAX[key]} characters`, field: `input.${key}` };
    params[key] = value ?? '';
  }
  if (input.address) {
    const names = { line1: 'line1', line2: 'line2', city: 'city', postalCode: 'postal_code', state: 'state', country: 'country' } as const;
    const address: Record<string, string> = {};
    for (const [from, to] of Object.entries(names) as Array<[keyof typeof names, string]>) {
      const value = input.address[from];
      if (value === undefined) continue;
      if (value !== null && value.length > CUSTOMER_TEXT_MAX.line)
        return { problem: `input.address.${from} is longer than ${CUSTOMER_TEXT_MAX.line} characters`, field: `input.address.${from}` };
      address[to] = value ?? '';
    }
    if (Object.keys(address).length > 0) params.address = address;
  }
  if (input.metadata !== undefined && input.metadata !== null) {
    const metadata = toMetadataParam(input.metadata);
    if (typeof metadata === 'string') return { problem: `input.metadata ${metadata}`, field: 'input.metadata' };
    if (Object.keys(metadata).length > 0) params.metadata = metadata;
  }
  if (Object.keys(params).length === 0) return { problem: 'input names no field to change', field: 'input' };
  return { params };
}
