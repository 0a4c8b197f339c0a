import { z } from 'zod';
import { env, readEnv, type Env } from '../platform/index.js';

/**
 * How sync/ calls the gateway as its service user: one reader, shared by customer sync (propagation, audit) and
 * the sagas, so both always carry the same identity to the same gateway.
 */
export type ServiceConfig = {
  /** SYNC_GATEWAY_URL: where sync and the sagas send their reads and mutations; default the embedded stack's own gateway. */
  gatewayUrl?: string;
  /** SYNC_SERVICE_TOKEN: a JWT from your identity provider for the service user; default the dev issuer's. */
  serviceToken?: string;
  /** SYNC_API_KEY: an API key sent with the service's requests (its own rate limit), where the gateway requires one. */
  apiKey?: string;
};

export function readServiceConfig(source: Env = process.env): ServiceConfig {
  const vars = readEnv(
    {
      SYNC_GATEWAY_URL: env.url().optional(),
      SYNC_SERVICE_TOKEN: z.string().min(1).optional(),
      SYNC_API_KEY: z.string().min(1).optional(),
    },
    source,
  );
  return { gatewayUrl: vars.SYNC_GATEWAY_URL, serviceToken: vars.SYNC_SERVICE_TOKEN, apiKey: vars.SYNC_API_KEY };
}

export type SyncConfig = ServiceConfig & {
  /** SYNC: propagation on (default) or off; Customer.sync is served either way. */
  enabled: boolean;
  /** SYNC_RULES_FILE: the ownership rules; default sync/rules.json. */
  rulesFile?: string;
  /** SYNC_AUDIT_CRON: the scheduled audit (cron, five fields) or `off`; default hourly. */
  auditCron: string | null;
  /** SYNC_RETRY_LIMIT: attempts after the first before a propagation is recorded failed. */
  retryLimit: number;
};

export function readSyncConfig(source: Env = process.env): SyncConfig {
  const vars = readEnv(
    {
      SYNC: env.flag(true),
      SYNC_RULES_FILE: z.string().min(1).optional(),
      SYNC_AUDIT_CRON: z
        .string()
        .regex(/^(off|(\S+\s+){4}\S+)$/, 'expected a five-field cron expression or "off"')
        .default('17 * * * *'),
      SYNC_RETRY_LIMIT: z.coerce.number().int().min(0).max(50).default(5),
    },
    source,
  );
  return {
    ...readServiceConfig(source),
    enabled: vars.SYNC,
    rulesFile: vars.SYNC_RULES_FILE,
    auditCron: vars.SYNC_AUDIT_CRON === 'off' ? null : vars.SYNC_AUDIT_CRON,
    retryLimit: vars.SYNC_RETRY_LIMIT,
  };
}
