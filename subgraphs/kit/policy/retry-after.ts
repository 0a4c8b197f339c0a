/**
 * Reads a `Retry-After` header value (RFC 9110: delay in seconds, or an HTTP date) as ms from `now`.
 * Returns undefined for absent or unreadable values, 0 for dates in the past. Vendor classifiers use it.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined || value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Only the date forms: Date.parse would also read "12" or "1.5" as years.
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
