import type { Emulator } from '../emulators/shared/server.js';
import { env, readEnv, type AdminConfig, type Env, type Logger, type SharedState } from '../platform/index.js';
import type { SubgraphServer, SubgraphTelemetry } from '../subgraphs/kit/index.js';

export type PartOptions = {
  /** Free ports for everything (tests) instead of the default ones. */
  ephemeral: boolean;
  /** Seed for emulator data; default the emulators' own. */
  seed?: number;
  /** The shared state every part of the process uses (entity cache, purge broadcast). */
  state: SharedState;
  /**
   * Whether emulators enforce their vendor's published rate limits (EMULATOR_RATE_LIMITS, default true).
   * Benchmarks of Interchange's own throughput turn them off; against a real vendor it has no effect.
   */
  emulatorRateLimits: boolean;
  /** The subgraph's metrics and traces (createSubgraphTelemetry). */
  telemetry: SubgraphTelemetry;
  /** Who may read the subgraph's /metrics. */
  admin: AdminConfig;
};

/** Reads the launcher's own switches from the environment. */
export function readEmulatorRateLimits(source: Env): boolean {
  return readEnv({ EMULATOR_RATE_LIMITS: env.flag(true) }, source).EMULATOR_RATE_LIMITS;
}

/**
 * The config override for a subgraph over its embedded emulator: with the emulator's rate limits lifted
 * (benchmarks of Interchange's own throughput), the subgraph's own quotas are lifted too, or they would be what
 * the benchmark measures. Over a real vendor, quotas always apply.
 */
export function unpaced(options: Pick<PartOptions, 'emulatorRateLimits'>, quota: Readonly<Record<string, readonly unknown[]>>): { quota?: Record<string, never[]> } {
  // Every bucket stays named (calls name theirs), with no window to spend from.
  return options.emulatorRateLimits ? {} : { quota: Object.fromEntries(Object.keys(quota).map((bucket) => [bucket, []])) };
}

/** A started subgraph (not yet listening) and the emulator started for it, if no real vendor is configured. */
export type StartedPart<E extends Emulator = Emulator> = { server: SubgraphServer; emulator?: E };

export type StartPart = (env: Env, log: Logger, options: PartOptions) => Promise<StartedPart>;
