import { z } from 'zod';
import { ConfigError, env, readEnv, type Env } from '../../platform/index.js';
import { readPolicySettings, type PolicySettings } from '../kit/index.js';

/** The WS-Security UsernameToken the subgraph signs every SOAP call with (PasswordDigest with a nonce). */
export type ErpCredentials = { username: string; password: string };

export type ErpConfig = {
  /**
   * The web services base URL without a trailing slash, the part before `/WS/<company>/Page/<page>`
   * (e.g. `http://erp-host:7047/DynamicsNAV`); undefined means "run the embedded emulator".
   */
  baseUrl: string | undefined;
  /** The NAV company whose pages are called, as it appears in the service URLs. */
  company: string;
  credentials: ErpCredentials | undefined;
  /**
   * Timeout (ERP_TIMEOUT_MS, per attempt), retries, breaker and bulkhead of the call policy (ERP_RETRY_ATTEMPTS, ERP_BREAKER_*, ERP_BULKHEAD_*).
   * The bulkhead is small by default (4 running, 50 waiting): a NAV service tier serves few sessions at once,
   * and NAV publishes no quota, so concurrency is the only thing to bound.
   */
  policy: PolicySettings;
  /** NAV's local currency (LCY): what amounts with an empty Currency_Code, and item prices, are in. */
  localCurrency: string;
};

const shape = {
  ERP_BASE_URL: env.url().optional(),
  ERP_COMPANY: z.string().min(1).max(30).default('CRONUS'),
  ERP_USERNAME: z.string().min(1).optional(),
  ERP_PASSWORD: z.string().min(1).optional(),
  ERP_TIMEOUT_MS: env.positiveInt(15_000),
  ERP_LOCAL_CURRENCY: z
    .string()
    .regex(/^[A-Z]{3}$/, 'expected an ISO-4217 code such as EUR')
    .default('EUR'),
};

/**
 * Reads the ERP's configuration. A real base URL needs both credentials (only the emulator is started for
 * you); a username without a password, or the reverse, is a mistake whatever the base URL.
 */
export function readErpConfig(source: Env = process.env): ErpConfig {
  const vars = readEnv(shape, source);
  if (Boolean(vars.ERP_USERNAME) !== Boolean(vars.ERP_PASSWORD)) {
    const missing = vars.ERP_USERNAME ? 'ERP_PASSWORD' : 'ERP_USERNAME';
    throw new ConfigError([`${missing}: ERP_USERNAME and ERP_PASSWORD go together (the WS-Security UsernameToken)`]);
  }
  const credentials = vars.ERP_USERNAME && vars.ERP_PASSWORD ? { username: vars.ERP_USERNAME, password: vars.ERP_PASSWORD } : undefined;
  if (vars.ERP_BASE_URL && !credentials) {
    throw new ConfigError(['ERP_USERNAME: ERP_BASE_URL is set, so credentials are needed (ERP_USERNAME and ERP_PASSWORD)']);
  }
  return {
    baseUrl: vars.ERP_BASE_URL,
    company: vars.ERP_COMPANY,
    credentials,
    policy: readPolicySettings('ERP', vars.ERP_TIMEOUT_MS, source, { bulkheadLimit: 4, bulkheadQueue: 50 }),
    localCurrency: vars.ERP_LOCAL_CURRENCY,
  };
}

/** How the ERP's changes are polled into the event log (NAV has no webhooks; see webhooks.ts). */
export type ErpFeedConfig = {
  /**
   * ERP_POLL_INTERVAL_MS: ms between polls of ReadMultiple on Last_Modified_Date_Time; 0 turns the poll off
   * (the reconciliation schedule still reads the ERP). Unset: 2,000 against the embedded emulator, 15,000
   * against a real NAV, whose service tier serves few sessions.
   */
  pollIntervalMs: number | undefined;
  /** ERP_POLL_OVERLAP_MS: how far before the high-water mark each poll reads (clock skew, late commits); default 30,000. */
  overlapMs: number;
  /** ERP_POLL_INITIAL_LOOKBACK_MS: where the very first poll starts, back from now; default 24 hours. */
  initialLookbackMs: number;
};

export function readErpFeedConfig(source: Env = process.env): ErpFeedConfig {
  const ms = z.coerce.number().int().min(0).max(2_147_483_647);
  const vars = readEnv(
    {
      ERP_POLL_INTERVAL_MS: ms.optional(),
      ERP_POLL_OVERLAP_MS: ms.default(30_000),
      ERP_POLL_INITIAL_LOOKBACK_MS: ms.default(86_400_000),
    },
    source,
  );
  return {
    pollIntervalMs: vars.ERP_POLL_INTERVAL_MS,
    overlapMs: vars.ERP_POLL_OVERLAP_MS,
    initialLookbackMs: vars.ERP_POLL_INITIAL_LOOKBACK_MS,
  };
}
