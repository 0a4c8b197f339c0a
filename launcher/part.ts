import { z } from 'zod';
import type { Emulator } from '../emulators/shared/server.js';
import {
  env,
  readEnv,
  type AdminConfig,
  type AnalyticsReadModel,
  type Database,
  type Env,
  type Logger,
  type SharedState,
  type SubgraphName,
} from '../platform/index.js';
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
  /**
   * The search indexing lag of the HubSpot and Stripe emulators in ms (EMULATOR_SEARCH_LAG_MS); undefined keeps
   * each emulator's default (HubSpot 3 s, Stripe 5 s), 0 makes search see writes at once.
   */
  emulatorSearchLagMs?: number;
  /**
   * The database of the process, when the stack opened one (the event pipeline's); null when the stack runs
   * without one (EVENTS=false); undefined when the part runs alone and opens its own if it needs one.
   */
  database?: Database | null;
  /**
   * The analytics read model (events/, ANALYTICS_SYNC) when this process runs the event pipeline; only the
   * analytics part reads it. Absent: the analytics fields ask Mixpanel on every request, as before.
   */
  analyticsReadModel?: AnalyticsReadModel;
};

/** Reads the launcher's own switches from the environment. */
export function readEmulatorRateLimits(source: Env): boolean {
  return readEnv({ EMULATOR_RATE_LIMITS: env.flag(true) }, source).EMULATOR_RATE_LIMITS;
}

/** EMULATOR_SEARCH_LAG_MS: unset keeps the emulators' own defaults. */
export function readEmulatorSearchLag(source: Env): { emulatorSearchLagMs?: number } {
  const lag = readEnv({ EMULATOR_SEARCH_LAG_MS: z.coerce.number().int().min(0).optional() }, source).EMULATOR_SEARCH_LAG_MS;
  return lag === undefined ? {} : { emulatorSearchLagMs: lag };
}

/**
 * The config override for a subgraph over its embedded emulator: with the emulator's rate limits lifted
 * (benchmarks of Interchange's own throughput), the subgraph's own quotas are lifted too, or they would be what
 * the benchmark measures. Over a real vendor, quotas always apply.
 */
export function unpaced(
  options: Pick<PartOptions, 'emulatorRateLimits'>,
  quota: Readonly<Record<string, readonly unknown[]>>,
): { quota?: Record<string, never[]> } {
  // Every bucket stays named (calls name theirs), with no window to spend from.
  return options.emulatorRateLimits ? {} : { quota: Object.fromEntries(Object.keys(quota).map((bucket) => [bucket, []])) };
}

/** A started subgraph (not yet listening) and the emulator started for it, if no real vendor is configured. */
export type StartedPart<E extends Emulator = Emulator> = {
  server: SubgraphServer;
  /**
   * The companion subgraphs it serves too (platform/topology.ts `part`), not yet listening: each listens on its
   * own port and closes before `server`, which owns what they share (the vendor client).
   */
  companions?: Partial<Record<SubgraphName, SubgraphServer>>;
  emulator?: E;
  /** Releases what the part opened for itself besides server and emulator (a database), after the server closed. */
  close?: () => Promise<void>;
  /**
   * Called once the gateway listens, with its URL: parts that write through the gateway (the sagas) start then.
   * Answers what stops that work, which runs before the gateway closes (in-flight sagas still reach it).
   */
  connect?: (gatewayUrl: string) => Promise<() => Promise<void>>;
};

export type StartPart = (env: Env, log: Logger, options: PartOptions) => Promise<StartedPart>;
