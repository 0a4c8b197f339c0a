import { env, readEnv, type Env } from '../../platform/index.js';

/** The sagas' own settings; the gateway and the service identity they write with are sync's (readServiceConfig). */
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
};

export function readSagaConfig(source: Env): SagaConfig {
  const vars = readEnv(
    {
      SAGA_LEASE_SECONDS: env.positiveInt(60),
      SAGA_RECOVERY_SECONDS: env.positiveInt(30),
      SAGA_RETRY_SECONDS: env.positiveInt(30),
      SAGA_RESUME_WITHIN_HOURS: env.positiveInt(12),
      SAGA_WAIT_SECONDS: env.positiveInt(20),
    },
    source,
  );
  return {
    leaseMs: vars.SAGA_LEASE_SECONDS * 1000,
    recoveryIntervalMs: vars.SAGA_RECOVERY_SECONDS * 1000,
    retryMs: vars.SAGA_RETRY_SECONDS * 1000,
    resumeWithinMs: vars.SAGA_RESUME_WITHIN_HOURS * 3600_000,
    waitMs: vars.SAGA_WAIT_SECONDS * 1000,
  };
}
