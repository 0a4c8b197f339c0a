import { z } from 'zod';
import { BadUserInputError, NotFoundError } from './errors.js';

/** Loads one entity or raises NOT_FOUND naming the vendor (the field becomes null, the rest of the response stands). */
export async function required<T>(value: Promise<T | null>, typename: string, key: string, upstream: string): Promise<T> {
  const found = await value;
  if (!found) throw new NotFoundError(typename, key, { upstream });
  return found;
}

/**
 * Checks a mutation's input against a zod schema beyond what the GraphQL scalars check, and returns the input
 * as given; the first problem becomes BAD_USER_INPUT naming the field (`input.lines.0.quantity`).
 */
export function validInput<T extends object>(schema: z.ZodType, input: T): T {
  const result = schema.safeParse(input);
  if (result.success) return input;
  const issue = result.error.issues[0]!;
  const field = `input.${issue.path.join('.')}`;
  throw new BadUserInputError(`${field} ${issue.message}.`, field);
}

/** `items` in consecutive slices of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const slices: T[][] = [];
  for (let start = 0; start < items.length; start += size) slices.push(items.slice(start, start + size));
  return slices;
}

/** An optional, trimmed text of at most `max` characters (the receiving system's field length). */
export const optionalText = (max: number) => z.string().trim().max(max, `must be at most ${max} characters`).nullish();

/** An optional ISO-3166 alpha-2 country code, as every vendor here stores it. */
export const optionalCountryCode = () =>
  z
    .string()
    .trim()
    .regex(/^[A-Z]{2}$/, 'must be an ISO-3166 alpha-2 code such as DE')
    .nullish();
