import { z } from 'zod';
import { createMixpanelEmulator, type MixpanelEmulator } from '../emulators/mixpanel/index.js';
import { readEnv, type AnalyticsReadModel, type Env, type Logger, type ReadModelStatus } from '../platform/index.js';
import { createAnalyticsSubgraph, readAnalyticsConfig, type AnalyticsSubgraphOptions } from '../subgraphs/analytics/index.js';
import { readSubgraphRuntime } from '../subgraphs/kit/index.js';
import { unpaced, type PartOptions, type StartedPart } from './part.js';

export const MIXPANEL_EMULATOR_PORT = 4103;

/**
 * The embedded emulator's export quotas; unset keeps Mixpanel's real ones (60 per hour, 3 per second), 0 lifts
 * the quota. Only the emulator reads these: tests and demos tighten or lift them without touching the subgraph.
 */
const emulatorShape = {
  MIXPANEL_EMULATOR_EXPORT_PER_HOUR: z.coerce.number().int().min(0).optional(),
  MIXPANEL_EMULATOR_EXPORT_PER_SECOND: z.coerce.number().int().min(0).optional(),
};

type VendorConfig = AnalyticsSubgraphOptions['config'];

/**
 * The analytics configuration with Mixpanel's address and credentials filled in: the configured vendor, else the
 * embedded emulator's (its default project; a configured service account still applies and must be valid there),
 * else undefined (no Mixpanel to reach).
 */
export function mixpanelAccess(env: Env, emulator?: MixpanelEmulator): VendorConfig | undefined {
  const config = readAnalyticsConfig(env);
  if (config.baseUrl && config.exportUrl && config.projectId !== undefined && config.serviceAccount) {
    const { baseUrl, exportUrl, projectId, serviceAccount } = config;
    return { ...config, baseUrl, exportUrl, projectId, serviceAccount };
  }
  if (!emulator) return undefined;
  const account = emulator.project.serviceAccounts[0]!;
  return {
    ...config,
    baseUrl: emulator.url,
    exportUrl: emulator.url,
    projectId: config.projectId ?? emulator.project.id,
    serviceAccount: config.serviceAccount ?? { username: account.username, secret: account.secret },
  };
}

/**
 * A read model the analytics subgraph can be built with before the event pipeline (which owns the database)
 * has started: until `bind`, it has never synced, so every field asks Mixpanel as with the sync off.
 */
export function lateReadModel(): AnalyticsReadModel & { bind(target: AnalyticsReadModel): void } {
  let target: AnalyticsReadModel | undefined;
  const unsynced: ReadModelStatus = { syncedThroughMs: null, coveredFromMs: null };
  return {
    bind: (bound) => {
      target = bound;
    },
    status: async () => (target ? target.status() : unsynced),
    eventsOf: async (ids, window) => (target ? target.eventsOf(ids, window) : new Map()),
    eventsNamed: async (names, window) => (target ? target.eventsNamed(names, window) : []),
    record: async (events) => target?.record(events),
  };
}

/** The analytics subgraph, over Mixpanel when MIXPANEL_BASE_URL is set, else over a Mixpanel emulator started here. */
export async function startAnalytics(env: Env, log: Logger, options: PartOptions): Promise<StartedPart<MixpanelEmulator>> {
  const config = readAnalyticsConfig(env);
  const shared = {
    log,
    state: options.state,
    runtime: readSubgraphRuntime(env),
    telemetry: options.telemetry,
    admin: options.admin,
    ...(options.analyticsReadModel ? { readModel: options.analyticsReadModel } : {}),
  };
  const vendor = mixpanelAccess(env);
  if (vendor) return { server: await createAnalyticsSubgraph({ config: vendor, ...shared }) };
  const limits = readEnv(emulatorShape, env);
  const emulator = createMixpanelEmulator({
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.emulatorRateLimits
      ? {}
      : { exportPerHour: 0, exportPerSecond: 0, exportConcurrent: 0, queryPerHour: 0, queryConcurrent: 0 }),
    ...(limits.MIXPANEL_EMULATOR_EXPORT_PER_HOUR === undefined ? {} : { exportPerHour: limits.MIXPANEL_EMULATOR_EXPORT_PER_HOUR }),
    ...(limits.MIXPANEL_EMULATOR_EXPORT_PER_SECOND === undefined ? {} : { exportPerSecond: limits.MIXPANEL_EMULATOR_EXPORT_PER_SECOND }),
  });
  await emulator.listen(options.ephemeral ? 0 : MIXPANEL_EMULATOR_PORT);
  try {
    const embedded = mixpanelAccess(env, emulator)!;
    return { server: await createAnalyticsSubgraph({ config: { ...embedded, ...unpaced(options, config.quota) }, ...shared }), emulator };
  } catch (error) {
    await emulator.close();
    throw error;
  }
}
