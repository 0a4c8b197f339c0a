import type { RequestHandler } from 'express';
import type { Registry } from 'prom-client';

/**
 * Keeps a label's values bounded: the first `max` distinct values pass as they are, later new ones become
 * `other`. For labels whose values come from callers (operation names), so a client that names every request
 * differently cannot grow the series without limit. Values outside `[A-Za-z0-9_.:-]{1,64}` are `other` too.
 */
export function boundedLabel(max: number): (value: string | undefined, fallback?: string) => string {
  const seen = new Set<string>();
  return (value, fallback = 'none') => {
    if (value === undefined || value === '') return fallback;
    if (seen.has(value)) return value;
    if (seen.size >= max || !/^[\w.:-]{1,64}$/.test(value)) return 'other';
    seen.add(value);
    return value;
  };
}

/** `GET /metrics`: the registry in Prometheus text format (guard it with adminOnly). */
export function metricsRoute(registry: Registry): RequestHandler {
  return (_req, res, next) => {
    registry.metrics().then((text) => res.type(registry.contentType).send(text), next);
  };
}
