import { createErpSoapEmulator, DEFAULT_ERP_PORT, DEFAULT_ERP_USER, type ErpSoapEmulator } from '../emulators/erp-soap/index.js';
import type { Env, Logger } from '../platform/index.js';
import { createErpSubgraph, readErpConfig } from '../subgraphs/erp/index.js';
import { readSubgraphRuntime } from '../subgraphs/kit/index.js';
import type { PartOptions, StartedPart } from './part.js';

export const ERP_EMULATOR_PORT = DEFAULT_ERP_PORT;

/** The ERP subgraph, over the real service when ERP_BASE_URL is set, else over an ERP emulator started here. */
export async function startErp(env: Env, log: Logger, options: PartOptions): Promise<StartedPart<ErpSoapEmulator>> {
  const config = readErpConfig(env);
  const shared = { log, state: options.state, runtime: readSubgraphRuntime(env), telemetry: options.telemetry, admin: options.admin };
  if (config.baseUrl && config.credentials) {
    return {
      server: await createErpSubgraph({ config: { ...config, baseUrl: config.baseUrl, credentials: config.credentials }, ...shared }),
    };
  }
  // The emulator serves the configured company, so ERP_COMPANY means the same with and without it.
  const emulator = createErpSoapEmulator({ seed: options.seed, company: config.company });
  const baseUrl = await emulator.listen(options.ephemeral ? 0 : ERP_EMULATOR_PORT);
  try {
    await emulator.ready;
    // The emulator accepts its default user; configured credentials still apply (and must match its users).
    const credentials = config.credentials ?? DEFAULT_ERP_USER;
    return { server: await createErpSubgraph({ config: { ...config, baseUrl, credentials }, ...shared }), emulator };
  } catch (error) {
    await emulator.close();
    throw error;
  }
}
