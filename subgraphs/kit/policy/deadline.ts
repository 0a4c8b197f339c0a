import type { IncomingHttpHeaders } from 'node:http';
import { DEADLINE_HEADER } from '../../../platform/index.js';

// The name is shared with the gateway, which may import only platform/; the kit re-exports it.
export { DEADLINE_HEADER };

export type ReadDeadlineOptions = {
  /** The current time in ms since epoch; default Date.now(). */
  now?: number;
  /** The latest deadline accepted, as ms from now; later ones are pulled in to it; default 30000. */
  maxBudgetMs?: number;
  /** How far in the past a deadline may be and still be taken as a deadline (already passed); default 60000. */
  maxSkewMs?: number;
};

/**
 * The deadline a request carries in `x-request-deadline`, or undefined when it carries none that makes sense.
 * Absurd values are clamped rather than trusted: anything but plain digits is ignored; a value more than
 * `maxSkewMs` in the past is taken for garbage (e.g. seconds instead of ms) and ignored; a value in the recent
 * past is returned as it is (the request has run out of time, and calls fail fast); a value further ahead than
 * `maxBudgetMs` is pulled in to now + maxBudgetMs, so a caller cannot hold vendor calls open for long.
 */
export function readDeadline(headers: IncomingHttpHeaders, options: ReadDeadlineOptions = {}): number | undefined {
  const now = options.now ?? Date.now();
  const maxBudgetMs = options.maxBudgetMs ?? 30_000;
  const maxSkewMs = options.maxSkewMs ?? 60_000;
  const raw = headers[DEADLINE_HEADER];
  const text = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  if (!text || !/^\d{1,16}$/.test(text)) return undefined;
  const value = Number(text);
  if (value < now - maxSkewMs) return undefined;
  return Math.min(value, now + maxBudgetMs);
}
