import { z } from 'zod';
import { ConfigError, env, readEnv, type Env } from '../../platform/index.js';
import { quotaWindows, readPolicySettings, type PolicySettings, type QuotaWindow } from '../kit/index.js';

/** A Mixpanel service account: HTTP Basic username and secret, valid for the configured project. */
export type ServiceAccount = { username: string; secret: string };

export type AnalyticsConfig = {
  /** Mixpanel's ingestion API base URL (`/import`), no trailing slash; undefined means "run the embedded emulator". */
  baseUrl: string | undefined;
  /** Mixpanel's raw export API base URL (`/api/2.0/export`); Mixpanel serves it from its own host. Default baseUrl. */
  exportUrl: string | undefined;
  projectId: number | undefined;
  serviceAccount: ServiceAccount | undefined;
  /** The project token; authenticates /import when no service account is configured. */
  projectToken: string | undefined;
  /**
   * Timeout (MIXPANEL_TIMEOUT_MS: exports stream whole days of events, so it is longer than the CRM's), retries,
   * breaker and bulkhead of the call policy (MIXPANEL_RETRY_ATTEMPTS, MIXPANEL_BREAKER_*, MIXPANEL_BULKHEAD_*).
   */
  policy: PolicySettings;
  /**
   * Mixpanel's published limits as our own pacing (0 turns a window off): `export` 3 a second
   * (MIXPANEL_EXPORT_PER_SECOND) and 60 an hour (MIXPANEL_EXPORT_PER_HOUR); `query` 60 an hour
   * (MIXPANEL_QUERY_PER_HOUR), for the query API. With Redis, every replica spends one quota.
   */
  quota: Record<string, QuotaWindow[]>;
  /** Distinct ids per export request (the `where ... in [...]` list travels in the URL). */
  exportBatchSize: number;
  /** The longest window a query may ask for, in days. */
  maxWindowDays: number;
};

const shape = {
  MIXPANEL_BASE_URL: env.url().optional(),
  MIXPANEL_EXPORT_URL: env.url().optional(),
  MIXPANEL_PROJECT_ID: z.coerce.number().int().positive().optional(),
  MIXPANEL_SERVICE_ACCOUNT_USERNAME: z.string().min(1).optional(),
  MIXPANEL_SERVICE_ACCOUNT_SECRET: z.string().min(1).optional(),
  MIXPANEL_PROJECT_TOKEN: z.string().min(1).optional(),
  MIXPANEL_TIMEOUT_MS: env.positiveInt(30_000),
  MIXPANEL_EXPORT_PER_SECOND: z.coerce.number().int().min(0).default(3),
  MIXPANEL_EXPORT_PER_HOUR: z.coerce.number().int().min(0).default(60),
  MIXPANEL_QUERY_PER_HOUR: z.coerce.number().int().min(0).default(60),
  MIXPANEL_EXPORT_BATCH_SIZE: z.coerce.number().int().min(1).max(500).default(100),
  MIXPANEL_MAX_WINDOW_DAYS: env.positiveInt(366),
};

/**
 * Reads the analytics subgraph's configuration. A service account needs both of its variables; a real base
 * URL needs the project id and a service account (exports accept nothing else; only the emulator is started
 * for you).
 */
export function readAnalyticsConfig(source: Env = process.env): AnalyticsConfig {
  const vars = readEnv(shape, source);
  const username = vars.MIXPANEL_SERVICE_ACCOUNT_USERNAME;
  const secret = vars.MIXPANEL_SERVICE_ACCOUNT_SECRET;
  if (Boolean(username) !== Boolean(secret)) {
    const missing = username ? 'MIXPANEL_SERVICE_ACCOUNT_SECRET' : 'MIXPANEL_SERVICE_ACCOUNT_USERNAME';
    throw new ConfigError([
      `${missing}: a service account needs both MIXPANEL_SERVICE_ACCOUNT_USERNAME and MIXPANEL_SERVICE_ACCOUNT_SECRET`,
    ]);
  }
  if (vars.MIXPANEL_BASE_URL) {
    const problems: string[] = [];
    if (vars.MIXPANEL_PROJECT_ID === undefined) problems.push('MIXPANEL_PROJECT_ID: MIXPANEL_BASE_URL is set, so the project id is needed');
    if (!username) {
      problems.push(
        'MIXPANEL_SERVICE_ACCOUNT_USERNAME: MIXPANEL_BASE_URL is set, so a service account is needed (with MIXPANEL_SERVICE_ACCOUNT_SECRET)',
      );
    }
    if (problems.length > 0) throw new ConfigError(problems);
  } else if (vars.MIXPANEL_EXPORT_URL) {
    throw new ConfigError(['MIXPANEL_EXPORT_URL: set only together with MIXPANEL_BASE_URL (the emulator serves both APIs)']);
  }
  return {
    baseUrl: vars.MIXPANEL_BASE_URL,
    exportUrl: vars.MIXPANEL_EXPORT_URL ?? vars.MIXPANEL_BASE_URL,
    projectId: vars.MIXPANEL_PROJECT_ID,
    serviceAccount: username && secret ? { username, secret } : undefined,
    projectToken: vars.MIXPANEL_PROJECT_TOKEN,
    // Mixpanel allows 100 concurrent exports: the bulkhead's default limit follows it.
    policy: readPolicySettings('MIXPANEL', vars.MIXPANEL_TIMEOUT_MS, source, { bulkheadLimit: 100 }),
    quota: {
      export: quotaWindows(
        { points: vars.MIXPANEL_EXPORT_PER_SECOND, durationSeconds: 1 },
        { points: vars.MIXPANEL_EXPORT_PER_HOUR, durationSeconds: 3600 },
      ),
      query: quotaWindows({ points: vars.MIXPANEL_QUERY_PER_HOUR, durationSeconds: 3600 }),
    },
    exportBatchSize: vars.MIXPANEL_EXPORT_BATCH_SIZE,
    maxWindowDays: vars.MIXPANEL_MAX_WINDOW_DAYS,
  };
}
