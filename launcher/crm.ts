import { createHubSpotEmulator, type HubSpotEmulator } from '../emulators/hubspot/index.js';
import type { Env, Logger } from '../platform/index.js';
import { createCrmSubgraphs, readCrmConfig, type CrmSubgraphs } from '../subgraphs/crm/index.js';
import { readSubgraphRuntime } from '../subgraphs/kit/index.js';
import { unpaced, type PartOptions, type StartedPart } from './part.js';

export const HUBSPOT_EMULATOR_PORT = 4101;

/** The part: `crm`, with `crm-relations` beside it over the same HubSpot client. */
const started = ({ crm, relations }: CrmSubgraphs) => ({ server: crm, companions: { 'crm-relations': relations } });

/** The CRM subgraphs, over HubSpot when HUBSPOT_BASE_URL is set, else over a HubSpot emulator started here. */
export async function startCrm(env: Env, log: Logger, options: PartOptions): Promise<StartedPart<HubSpotEmulator>> {
  const config = readCrmConfig(env);
  const shared = { log, state: options.state, runtime: readSubgraphRuntime(env), telemetry: options.telemetry, admin: options.admin };
  if (config.baseUrl && config.auth) {
    return started(await createCrmSubgraphs({ config: { ...config, baseUrl: config.baseUrl, auth: config.auth }, ...shared }));
  }
  const emulator = createHubSpotEmulator({
    seed: options.seed,
    ...(options.emulatorRateLimits ? {} : { tenSecondlyLimit: 0, dailyLimit: 0, searchPerSecond: 0 }),
    ...(options.emulatorSearchLagMs === undefined ? {} : { searchLagMs: options.emulatorSearchLagMs }),
  });
  const baseUrl = await emulator.listen(options.ephemeral ? 0 : HUBSPOT_EMULATOR_PORT);
  try {
    // The emulator accepts its default private-app token; configured OAuth credentials still apply.
    const auth = config.auth ?? { kind: 'private-app' as const, accessToken: 'pat-emulator' };
    return {
      ...started(await createCrmSubgraphs({ config: { ...config, baseUrl, auth, ...unpaced(options, config.quota) }, ...shared })),
      emulator,
    };
  } catch (error) {
    await emulator.close();
    throw error;
  }
}
