import { z } from 'zod';
import { env, readEnv, type Env } from '../../platform/index.js';

export type SagaConfig = {
  /** SAGA_LEASE_SECONDS (default 60): how long a process holds a saga without a sign of life before another takes it over. */
  leaseMs: number;
  /** SAGA_RECOVERY_SECONDS (default 30): how often each process looks for interrupted sagas. */
  recoveryIntervalMs: number;
  /** SAGA_RETRY_SECONDS (default 30): a failed compensation (or a step past the point of no return) is retried after this. */
  retryMs: number;
  /** SAGA_RESUME_WITHIN_HOURS (default 12): an interrupted saga older than this is undone instead of finished. */
  resumeWithinMs: number;
  /** SAGA_WAIT_SECONDS (default 20, under the gateway's request deadline): how long a mutation waits for its saga. */
  waitMs: number;
  /** SYNC_GATEWAY_URL: the gateway the sagas write through, when the sync subgraph runs apart from it. */
  gatewayUrl: string | undefined;
  /** SYNC_SERVICE_TOKEN: the service identity's bearer token (a JWT from your issuer with the scopes in README). */
  serviceToken: string | undefined;
  /** SYNC_API_KEY: an API client key for the service's calls (its own rate limit), optional. */
  apiKey: string | undefined;
};

export function readSagaConfig(source: Env): SagaConfig {
  const vars = readEnv(
    {
      SAGA_LEASE_SECONDS: env.positiveInt(60),
      SAGA_RECOVERY_SECONDS: env.positiveInt(30),
      SAGA_RETRY_SECONDS: env.positiveInt(30),
      SAGA_RESUME_WITHIN_HOURS: env.positiveInt(12),
      SAGA_WAIT_SECONDS: env.positiveInt(20),
      SYNC_GATEWAY_URL: z.url({ protocol: /^https?$/, message: 'expected the gateway base URL, e.g. http://gateway:4000' }).optional(),
      SYNC_SERVICE_TOKEN: z.string().min(1).optional(),
      SYNC_API_KEY: z.string().min(1).optional(),
    },
    source,
  );
  return {
    leaseMs: vars.SAGA_LEASE_SECONDS * 1000,
    recoveryIntervalMs: vars.SAGA_RECOVERY_SECONDS * 1000,
    retryMs: vars.SAGA_RETRY_SECONDS * 1000,
    resumeWithinMs: vars.SAGA_RESUME_WITHIN_HOURS * 3600_000,
    waitMs: vars.SAGA_WAIT_SECONDS * 1000,
    gatewayUrl: vars.SYNC_GATEWAY_URL?.replace(/\/+$/, ''),
    serviceToken: vars.SYNC_SERVICE_TOKEN,
    apiKey: vars.SYNC_API_KEY,
  };
}
