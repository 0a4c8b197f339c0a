import { z } from 'zod';
import { env, readEnv, type Env } from '../platform/index.js';

export type AnalyticsSyncConfig = {
  /** Whether the analytics fields read from the read model (and the sync runs); needs the platform database. */
  enabled: boolean;
  /** At most one Mixpanel export per this many ms, across every process. */
  intervalMs: number;
  /** How many days before today the first sync reads. */
  backfillDays: number;
  /** How many days before the last day reached each sync reads again (late events). */
  overlapDays: number;
};

/**
 * ANALYTICS_SYNC (default true), ANALYTICS_SYNC_INTERVAL_MS (default 5 minutes: 12 of Mixpanel's 60 exports an
 * hour, the rest left for windows the read model does not cover), ANALYTICS_SYNC_BACKFILL_DAYS (default 90, the
 * default look-back of lastSeenAt), ANALYTICS_SYNC_OVERLAP_DAYS (default 1).
 */
export function readAnalyticsSyncConfig(source: Env = process.env): AnalyticsSyncConfig {
  const vars = readEnv(
    {
      ANALYTICS_SYNC: env.flag(true),
      // Below a second the slot would be the only pacing left; Mixpanel's own limit is 3 a second.
      ANALYTICS_SYNC_INTERVAL_MS: z.coerce.number().int().min(1000, 'expected at least 1000 (ms)').default(300_000),
      ANALYTICS_SYNC_BACKFILL_DAYS: z.coerce.number().int().min(0).max(3660).default(90),
      ANALYTICS_SYNC_OVERLAP_DAYS: z.coerce.number().int().min(0).max(30).default(1),
    },
    source,
  );
  return {
    enabled: vars.ANALYTICS_SYNC,
    intervalMs: vars.ANALYTICS_SYNC_INTERVAL_MS,
    backfillDays: vars.ANALYTICS_SYNC_BACKFILL_DAYS,
    overlapDays: vars.ANALYTICS_SYNC_OVERLAP_DAYS,
  };
}
