import { z } from 'zod';
import { env, readEnv, type Env } from '../platform/index.js';

export type EventsConfig = {
  /** The public base URL vendors deliver to (HubSpot signs the full URI); unset: the request's Host. */
  publicUrl?: string;
  /** Whether `npm start` runs apply workers in its own process (set false when workers run apart). */
  inProcessWorkers: boolean;
  concurrency: number;
  retryLimit: number;
  retryDelaySeconds: number;
  jobTimeoutSeconds: number;
  /** How often timed-out jobs (a killed worker's) are looked for. */
  maintenanceSeconds: number;
  /** Catch-up schedule, cron syntax; `off` disables the schedule (a run still happens at start). */
  reconcileCron: string | null;
};

export function readEventsConfig(source: Env = process.env): EventsConfig {
  const vars = readEnv(
    {
      PUBLIC_URL: env.url().optional(),
      EVENTS_IN_PROCESS_WORKERS: env.flag(true),
      EVENTS_CONCURRENCY: env.positiveInt(2),
      EVENTS_RETRY_LIMIT: z.coerce.number().int().min(0).max(50).default(5),
      EVENTS_RETRY_DELAY_SECONDS: env.positiveInt(2),
      EVENTS_JOB_TIMEOUT_SECONDS: env.positiveInt(60),
      EVENTS_MAINTENANCE_SECONDS: env.positiveInt(30),
      EVENTS_RECONCILE_CRON: z
        .string()
        .regex(/^(off|(\S+\s+){4}\S+)$/, 'expected a five-field cron expression or "off"')
        .default('*/5 * * * *'),
    },
    source,
  );
  return {
    publicUrl: vars.PUBLIC_URL,
    inProcessWorkers: vars.EVENTS_IN_PROCESS_WORKERS,
    concurrency: vars.EVENTS_CONCURRENCY,
    retryLimit: vars.EVENTS_RETRY_LIMIT,
    retryDelaySeconds: vars.EVENTS_RETRY_DELAY_SECONDS,
    jobTimeoutSeconds: vars.EVENTS_JOB_TIMEOUT_SECONDS,
    maintenanceSeconds: vars.EVENTS_MAINTENANCE_SECONDS,
    reconcileCron: vars.EVENTS_RECONCILE_CRON === 'off' ? null : vars.EVENTS_RECONCILE_CRON,
  };
}
