import { z } from 'zod';
import { ConfigError, env, readEnv, type Env } from '../../platform/index.js';
import { quotaWindows, readPolicySettings, type PolicySettings, type QuotaWindow } from '../kit/index.js';

/** Where the Stripe SDK sends requests: the SDK takes host, port and protocol apart, never a URL. */
export type StripeEndpoint = { host: string; port: number; protocol: 'http' | 'https' };

export type PaymentsConfig = {
  /** Stripe's API base URL without a trailing slash; undefined means "run the embedded emulator". */
  baseUrl: string | undefined;
  /** The secret (sk_...) or restricted (rk_...) key; required with a base URL. */
  secretKey: string | undefined;
  /** Timeout (STRIPE_TIMEOUT_MS, per attempt), retries, breaker and bulkhead of the call policy (STRIPE_RETRY_ATTEMPTS, STRIPE_BREAKER_*, STRIPE_BULKHEAD_*). */
  policy: PolicySettings;
  /**
   * Our own pacing (STRIPE_QUOTA_PER_SECOND, 0 for none): by default Stripe's published limits, 25 requests a
   * second for test-mode keys (sk_test_, rk_test_, and the embedded emulator's sk_test_ key) and 100 for live keys.
   */
  quota: Record<string, QuotaWindow[]>;
};

const shape = {
  STRIPE_BASE_URL: env.url().optional(),
  STRIPE_SECRET_KEY: z
    .string()
    .regex(/^(sk|rk)_(test|live)_\w+$/, 'expected a secret key (sk_test_..., sk_live_...) or a restricted key (rk_...)')
    .optional(),
  STRIPE_TIMEOUT_MS: env.positiveInt(10_000),
  STRIPE_QUOTA_PER_SECOND: z.coerce.number().int().min(0).optional(),
};

/**
 * Reads the payments subgraph's configuration. Without STRIPE_BASE_URL the launcher starts the Stripe emulator;
 * with it, STRIPE_SECRET_KEY is required (only the emulator is started for you).
 */
export function readPaymentsConfig(source: Env = process.env): PaymentsConfig {
  const vars = readEnv(shape, source);
  if (vars.STRIPE_BASE_URL) {
    if (!vars.STRIPE_SECRET_KEY) {
      throw new ConfigError(['STRIPE_SECRET_KEY: STRIPE_BASE_URL is set, so a Stripe secret key is needed (it is not set)']);
    }
    // Checked here so a bad URL fails at start-up, not at the first request.
    toStripeEndpoint(vars.STRIPE_BASE_URL);
  }
  // Without a base URL the embedded emulator runs with its own test-mode key, under the test-mode limit.
  const testMode = vars.STRIPE_BASE_URL === undefined || /^(sk|rk)_test_/.test(vars.STRIPE_SECRET_KEY ?? '');
  const perSecond = vars.STRIPE_QUOTA_PER_SECOND ?? (testMode ? 25 : 100);
  return {
    baseUrl: vars.STRIPE_BASE_URL,
    secretKey: vars.STRIPE_SECRET_KEY,
    // Stripe's own bulkhead-like limit is on concurrent requests too; 20 in flight stays well inside it.
    policy: readPolicySettings('STRIPE', vars.STRIPE_TIMEOUT_MS, source, { bulkheadLimit: 20 }),
    quota: { default: quotaWindows({ points: perSecond, durationSeconds: 1 }) },
  };
}

/** Splits a base URL into what the SDK takes; the SDK always adds /v1/..., so a path is a mistake. */
export function toStripeEndpoint(baseUrl: string): StripeEndpoint {
  const url = new URL(baseUrl);
  const protocol = url.protocol === 'https:' ? 'https' : url.protocol === 'http:' ? 'http' : undefined;
  if (!protocol || (url.pathname !== '/' && url.pathname !== '') || url.search || url.username) {
    throw new ConfigError([
      `STRIPE_BASE_URL: expected http(s)://host[:port] with no path, query or credentials (got ${JSON.stringify(baseUrl)})`,
    ]);
  }
  const port = url.port ? Number(url.port) : protocol === 'https' ? 443 : 80;
  // IPv6 hosts come bracketed from URL; the SDK wants the bare address.
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port, protocol };
}
