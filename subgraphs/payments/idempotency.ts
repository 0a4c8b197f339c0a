/**
 * Idempotency keys for Stripe writes: the caller's, or one derived from the operation and its input, so a
 * retried mutation never charges or refunds twice. Pure.
 */
import { createHash } from 'node:crypto';

/** Stripe takes keys up to 255 characters; ours are prefixed, so the caller's part is capped lower. */
export const MAX_CLIENT_IDEMPOTENCY_KEY = 200;

/** Sorts object keys at every level, so the same input always serializes the same way. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value instanceof Date) return value.toISOString();
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, field]) => field !== undefined && field !== null)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([key, field]) => [key, canonical(field)]),
    );
  }
  return value;
}

/**
 * The Idempotency-Key for a mutation: the caller's key, or a hash of the operation and its input (the
 * `idempotencyKey` field aside) so that retrying the same request never charges or refunds twice. Both are
 * prefixed with the operation, so one caller key used for two different operations cannot collide on Stripe.
 */
export function toIdempotencyKey(operation: string, input: Record<string, unknown>, clientKey?: string | null): string {
  if (clientKey) return `ix:${operation}:${clientKey}`;
  const { idempotencyKey: _ignored, ...rest } = input;
  const digest = createHash('sha256')
    .update(JSON.stringify(canonical(rest)))
    .digest('base64url');
  return `ix:${operation}:auto:${digest}`;
}
