import { z } from 'zod';
import { ConfigError, env, readEnv, type Env } from '../../platform/index.js';
import { quotaWindows, readPolicySettings, type PolicySettings, type QuotaWindow } from '../kit/index.js';

/** How the subgraph authenticates to HubSpot: a private-app token, or an OAuth app with a refresh token. */
export type HubSpotAuth =
  { kind: 'private-app'; accessToken: string } | { kind: 'oauth'; clientId: string; clientSecret: string; refreshToken: string };

export type CrmConfig = {
  /** HubSpot's API base URL without a trailing slash; undefined means "run the embedded emulator". */
  baseUrl: string | undefined;
  auth: HubSpotAuth | undefined;
  /** Timeout (HUBSPOT_TIMEOUT_MS, per attempt), retries, breaker and bulkhead of the call policy (HUBSPOT_RETRY_ATTEMPTS, HUBSPOT_BREAKER_*, HUBSPOT_BULKHEAD_*). */
  policy: PolicySettings;
  /**
   * Our own pacing, a little under or at HubSpot's published limits: `default` 190 per 10 s
   * (HUBSPOT_QUOTA_TEN_SECONDLY) and 1,000,000 a day (HUBSPOT_QUOTA_DAILY, the highest tier: lower it for yours),
   * `search` 5 a second (HUBSPOT_QUOTA_SEARCH_PER_SECOND); 0 turns a window off.
   */
  quota: Record<string, QuotaWindow[]>;
  /** The portal's company currency, for deals that carry none. */
  defaultCurrency: string;
};

const shape = {
  HUBSPOT_BASE_URL: env.url().optional(),
  HUBSPOT_ACCESS_TOKEN: z.string().min(1).optional(),
  HUBSPOT_CLIENT_ID: z.string().min(1).optional(),
  HUBSPOT_CLIENT_SECRET: z.string().min(1).optional(),
  HUBSPOT_REFRESH_TOKEN: z.string().min(1).optional(),
  HUBSPOT_TIMEOUT_MS: env.positiveInt(10_000),
  HUBSPOT_QUOTA_TEN_SECONDLY: z.coerce.number().int().min(0).default(190),
  HUBSPOT_QUOTA_DAILY: z.coerce.number().int().min(0).default(1_000_000),
  HUBSPOT_QUOTA_SEARCH_PER_SECOND: z.coerce.number().int().min(0).default(5),
  HUBSPOT_DEFAULT_CURRENCY: z
    .string()
    .regex(/^[A-Z]{3}$/, 'expected an ISO-4217 code such as EUR')
    .default('USD'),
};

/**
 * Reads the CRM's configuration. A private-app token wins over OAuth; OAuth needs all three of its variables;
 * a real base URL needs credentials (only the emulator is started for you).
 */
export function readCrmConfig(source: Env = process.env): CrmConfig {
  const vars = readEnv(shape, source);
  const oauth = [vars.HUBSPOT_CLIENT_ID, vars.HUBSPOT_CLIENT_SECRET, vars.HUBSPOT_REFRESH_TOKEN];
  let auth: HubSpotAuth | undefined;
  if (vars.HUBSPOT_ACCESS_TOKEN) {
    auth = { kind: 'private-app', accessToken: vars.HUBSPOT_ACCESS_TOKEN };
  } else if (oauth.every(Boolean)) {
    auth = { kind: 'oauth', clientId: oauth[0]!, clientSecret: oauth[1]!, refreshToken: oauth[2]! };
  } else if (oauth.some(Boolean)) {
    throw new ConfigError([
      'HUBSPOT_CLIENT_ID, HUBSPOT_CLIENT_SECRET and HUBSPOT_REFRESH_TOKEN: OAuth needs all three (or set HUBSPOT_ACCESS_TOKEN)',
    ]);
  }
  if (vars.HUBSPOT_BASE_URL && !auth) {
    throw new ConfigError([
      'HUBSPOT_ACCESS_TOKEN: HUBSPOT_BASE_URL is set, so credentials are needed (a private-app token, or the three OAuth variables)',
    ]);
  }
  return {
    baseUrl: vars.HUBSPOT_BASE_URL,
    auth,
    policy: readPolicySettings('HUBSPOT', vars.HUBSPOT_TIMEOUT_MS, source),
    quota: {
      default: quotaWindows(
        { points: vars.HUBSPOT_QUOTA_TEN_SECONDLY, durationSeconds: 10 },
        { points: vars.HUBSPOT_QUOTA_DAILY, durationSeconds: 86_400 },
      ),
      search: quotaWindows({ points: vars.HUBSPOT_QUOTA_SEARCH_PER_SECOND, durationSeconds: 1 }),
    },
    defaultCurrency: vars.HUBSPOT_DEFAULT_CURRENCY,
  };
}
