import { z } from 'zod';
import { createMixpanelEmulator, type MixpanelEmulator } from '../emulators/mixpanel/index.js';
import { readEnv, type Env, type Logger } from '../platform/index.js';
import { createAnalyticsSubgraph, readAnalyticsConfig } from '../subgraphs/analytics/index.js';
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

/** The analytics subgraph, over Mixpanel when MIXPANEL_BASE_URL is set, else over a Mixpanel emulator started here. */
export async function startAnalytics(env: Env, log: Logger, options: PartOptions): Promise<StartedPart<MixpanelEmulator>> {
  const config = readAnalyticsConfig(env);
  const shared = { log, state: options.state, runtime: readSubgraphRuntime(env), telemetry: options.telemetry, admin: options.admin };
  if (config.baseUrl && config.exportUrl && config.projectId !== undefined && config.serviceAccount) {
    const { baseUrl, exportUrl, projectId, serviceAccount } = config;
    return { server: await createAnalyticsSubgraph({ config: { ...config, baseUrl, exportUrl, projectId, serviceAccount }, ...shared }) };
  }
  const limits = readEnv(emulatorShape, env);
  const emulator = createMixpanelEmulator({
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.emulatorRateLimits
      ? {}
      : { exportPerHour: 0, exportPerSecond: 0, exportConcurrent: 0, queryPerHour: 0, queryConcurrent: 0 }),
    ...(limits.MIXPANEL_EMULATOR_EXPORT_PER_HOUR === undefined ? {} : { exportPerHour: limits.MIXPANEL_EMULATOR_EXPORT_PER_HOUR }),
    ...(limits.MIXPANEL_EMULATOR_EXPORT_PER_SECOND === undefined ? {} : { exportPerSecond: limits.MIXPANEL_EMULATOR_EXPORT_PER_SECOND }),
  });
  const baseUrl = await emulator.listen(options.ephemeral ? 0 : MIXPANEL_EMULATOR_PORT);
  try {
    // The emulator hosts its default project; a configured service account still applies (and must be valid there).
    const account = emulator.project.serviceAccounts[0]!;
    const embedded = {
      ...config,
      baseUrl,
      exportUrl: baseUrl,
      projectId: config.projectId ?? emulator.project.id,
      serviceAccount: config.serviceAccount ?? { username: account.username, secret: account.secret },
    };
    return { server: await createAnalyticsSubgraph({ config: { ...embedded, ...unpaced(options, config.quota) }, ...shared }), emulator };
  } catch (error) {
    await emulator.close();
    throw error;
  }
}
