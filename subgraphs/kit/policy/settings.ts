import { z } from 'zod';
import { readEnv, type Env } from '../../../platform/index.js';
import { POLICY_DEFAULTS } from './policy.js';

/** The per-vendor knobs of a call policy that operators tune from the environment. */
export type PolicySettings = {
  /** Longest single attempt in ms: `<VENDOR>_TIMEOUT_MS`, read by the vendor's own config. */
  timeoutMs: number;
  retry: { maxAttempts: number };
  breaker: { threshold: number; halfOpenAfterMs: number };
  bulkhead: { limit: number; queue: number };
};

/** A vendor's own defaults where they differ from POLICY_DEFAULTS (e.g. a small bulkhead for the ERP). */
export type PolicySettingDefaults = {
  maxAttempts?: number;
  breakerThreshold?: number;
  halfOpenAfterMs?: number;
  bulkheadLimit?: number;
  bulkheadQueue?: number;
};

/**
 * Reads `<PREFIX>_RETRY_ATTEMPTS`, `<PREFIX>_BREAKER_THRESHOLD`, `<PREFIX>_BREAKER_HALF_OPEN_MS`,
 * `<PREFIX>_BULKHEAD_LIMIT` and `<PREFIX>_BULKHEAD_QUEUE` (e.g. prefix `HUBSPOT`). One reader for every vendor,
 * so the variables are named alike everywhere; problems name the variable (ConfigError).
 */
export function readPolicySettings(prefix: string, timeoutMs: number, source: Env, defaults: PolicySettingDefaults = {}): PolicySettings {
  const name = (suffix: string): string => `${prefix}_${suffix}`;
  const positive = (fallback: number) => z.coerce.number().int().positive().default(fallback);
  const vars = readEnv(
    {
      [name('RETRY_ATTEMPTS')]: positive(defaults.maxAttempts ?? POLICY_DEFAULTS.retry.maxAttempts),
      [name('BREAKER_THRESHOLD')]: positive(defaults.breakerThreshold ?? POLICY_DEFAULTS.breaker.threshold),
      [name('BREAKER_HALF_OPEN_MS')]: positive(defaults.halfOpenAfterMs ?? POLICY_DEFAULTS.breaker.halfOpenAfterMs),
      [name('BULKHEAD_LIMIT')]: positive(defaults.bulkheadLimit ?? POLICY_DEFAULTS.bulkhead.limit),
      [name('BULKHEAD_QUEUE')]: z.coerce
        .number()
        .int()
        .min(0)
        .default(defaults.bulkheadQueue ?? POLICY_DEFAULTS.bulkhead.queue),
    },
    source,
  ) as Record<string, number>;
  const read = (suffix: string): number => vars[name(suffix)]!;
  return {
    timeoutMs,
    retry: { maxAttempts: read('RETRY_ATTEMPTS') },
    breaker: { threshold: read('BREAKER_THRESHOLD'), halfOpenAfterMs: read('BREAKER_HALF_OPEN_MS') },
    bulkhead: { limit: read('BULKHEAD_LIMIT'), queue: read('BULKHEAD_QUEUE') },
  };
}

/**
 * A quota window from a variable: its value is the points, 0 switches the window off (e.g. for a vendor
 * account with no such limit). Returns the windows that are on.
 */
export function quotaWindows(
  ...windows: Array<{ points: number; durationSeconds: number }>
): Array<{ points: number; durationSeconds: number }> {
  return windows.filter((window) => window.points > 0);
}
