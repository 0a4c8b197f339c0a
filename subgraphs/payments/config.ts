import { z } from 'zod';
import { ConfigError, env, readEnv, type Env } from '../../platform/index.js';

/** Where the Stripe SDK sends requests: the SDK takes host, port and protocol apart, never a URL. */
export type StripeEndpoint = { host: string; port: number; protocol: 'http' | 'https' };

export type PaymentsConfig = {
  /** Stripe's API base URL without a trailing slash; undefined means "run the embedded emulator". */
  baseUrl: string | undefined;
  /** The secret (sk_...) or restricted (rk_...) key; required with a base URL. */
  secretKey: string | undefined;
  /** Per-call timeout in ms. */
  timeoutMs: number;
};

const shape = {
  STRIPE_BASE_URL: env.url().optional(),
  STRIPE_SECRET_KEY: z.string().regex(/^(sk|rk)_(test|live)_\w+$/, 'expected a secret key (sk_test_..., sk_live_...) or a restricted key (rk_...)').optional(),
  STRIPE_TIMEOUT_MS: env.positiveInt(10_000),
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
  return { baseUrl: vars.STRIPE_BASE_URL, secretKey: vars.STRIPE_SECRET_KEY, timeoutMs: vars.STRIPE_TIMEOUT_MS };
}

/** Splits a base URL into what the SDK takes; the SDK always adds /v1/..., so a path is a mistake. */
export function toStripeEndpoint(baseUrl: string): StripeEndpoint {
  const url = new URL(baseUrl);
  const protocol = url.protocol === 'https:' ? 'https' : url.protocol === 'http:' ? 'http' : undefined;
  if (!protocol || (url.pathname !== '/' && url.pathname !== '') || url.search || url.username) {
    throw new ConfigError([`STRIPE_BASE_URL: expected http(s)://host[:port] with no path, query or credentials (got ${JSON.stringify(baseUrl)})`]);
  }
  const port = url.port ? Number(url.port) : protocol === 'https' ? 443 : 80;
  // IPv6 hosts come bracketed from URL; the SDK wants the bare address.
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port, protocol };
}
