/**
 * The embedded stack: the emulators (for every vendor with no real base URL configured), every subgraph and
 * the gateway, in one process. The only module that wires the parts together.
 */
import { createHubSpotEmulator } from '../emulators/hubspot/index.js';
import type { Emulator } from '../emulators/shared/server.js';
import { createGateway, readGatewayConfig } from '../gateway/index.js';
import { SUBGRAPHS, createLogger, type Env, type Logger } from '../platform/index.js';
import { createCrmSubgraph, readCrmConfig } from '../subgraphs/crm/index.js';
import type { SubgraphServer } from '../subgraphs/kit/index.js';

/** Default ports of the emulators in the embedded stack (subgraph ports are in platform/topology.ts). */
export const EMULATOR_PORTS = { hubspot: 4101 } as const;

export type StackOptions = {
  /** The environment to configure from; default process.env. */
  env?: Env;
  /** `fixed` (default) uses the configured and default ports; `ephemeral` picks free ports (tests). */
  ports?: 'fixed' | 'ephemeral';
  /** Default: a logger at LOG_LEVEL (tests pass a silent one). */
  log?: Logger;
  /** Seed for the emulators' data; default their own default. */
  seed?: number;
};

export type Stack = {
  gatewayUrl: string;
  subgraphUrls: Record<string, string>;
  /** The emulators this stack started, by vendor (absent when a real vendor is configured). */
  emulators: { hubspot?: Emulator };
  close(): Promise<void>;
};

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const source = options.env ?? process.env;
  const ephemeral = options.ports === 'ephemeral';
  const gatewayConfig = readGatewayConfig(source);
  const log = options.log ?? createLogger({ name: 'interchange', level: gatewayConfig.logLevel });
  const crmConfig = readCrmConfig(source);
  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    // Gateway first (it drains callers), then subgraphs, then emulators.
    for (const closer of closers.reverse()) await closer().catch((error) => log.error({ err: error }, 'close failed'));
  };

  try {
    const emulators: Stack['emulators'] = {};
    let crm = crmConfig;
    if (!crmConfig.baseUrl) {
      const hubspot = createHubSpotEmulator({ seed: options.seed });
      const url = await hubspot.listen(ephemeral ? 0 : EMULATOR_PORTS.hubspot);
      closers.push(() => hubspot.close());
      emulators.hubspot = hubspot;
      crm = { ...crmConfig, baseUrl: url, auth: crmConfig.auth ?? { kind: 'private-app', accessToken: 'pat-emulator' } };
    }

    const servers: Record<string, SubgraphServer> = {
      crm: await createCrmSubgraph({ config: { ...crm, baseUrl: crm.baseUrl!, auth: crm.auth! }, log }),
    };
    const subgraphUrls: Record<string, string> = {};
    for (const { name, port } of SUBGRAPHS) {
      const server = servers[name];
      if (!server) throw new Error(`subgraph ${name} is in platform/topology.ts but not started by the launcher`);
      subgraphUrls[name] = await server.listen(ephemeral ? 0 : port);
      closers.push(() => server.close());
    }

    const gateway = await createGateway({
      config: { ...gatewayConfig, port: ephemeral ? 0 : gatewayConfig.port, subgraphUrls: { ...gatewayConfig.subgraphUrls, ...subgraphUrls } },
      log,
    });
    const gatewayUrl = await gateway.listen();
    closers.push(() => gateway.close());
    return { gatewayUrl, subgraphUrls, emulators, close };
  } catch (error) {
    await close();
    throw error;
  }
}
