/**
 * The embedded stack: the emulators (for every vendor with no real base URL configured), every subgraph and
 * the gateway, in one process. The only module that wires the parts together.
 */
import { randomBytes } from 'node:crypto';
import type { ErpSoapEmulator } from '../emulators/erp-soap/index.js';
import type { HubSpotEmulator } from '../emulators/hubspot/index.js';
import type { MixpanelEmulator } from '../emulators/mixpanel/index.js';
import type { Emulator } from '../emulators/shared/server.js';
import type { StripeEmulator } from '../emulators/stripe/index.js';
import { createGateway, readGatewayConfig } from '../gateway/index.js';
import { SUBGRAPHS, createLogger, createSharedState, type Env, type Logger } from '../platform/index.js';
import { readEmulatorRateLimits } from './part.js';
import { PARTS } from './parts.js';

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
  /** The emulators this stack started, by emulator name (absent when the real vendor is configured). */
  emulators: { hubspot?: HubSpotEmulator; stripe?: StripeEmulator; mixpanel?: MixpanelEmulator; 'erp-soap'?: ErpSoapEmulator };
  close(): Promise<void>;
};

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  // The gateway signs its subgraph requests; in one process a fresh secret per start is enough.
  const given = options.env ?? process.env;
  const source = given.SUBGRAPH_SECRET ? given : { ...given, SUBGRAPH_SECRET: randomBytes(32).toString('hex') };
  const ephemeral = options.ports === 'ephemeral';
  const gatewayConfig = readGatewayConfig(source);
  const log = options.log ?? createLogger({ name: 'interchange', level: gatewayConfig.logLevel });
  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    // Gateway first (it drains callers), then subgraphs, then emulators.
    for (const closer of closers.reverse()) await closer().catch((error) => log.error({ err: error }, 'close failed'));
  };

  // One shared state for the whole process: the gateway and every subgraph hear each other's purges.
  const state = createSharedState(source, log);
  closers.push(() => state.close());
  await state.ready();
  try {
    const emulators: Record<string, Emulator> = {};
    const subgraphUrls: Record<string, string> = {};
    for (const { name, port } of SUBGRAPHS) {
      const startPart = PARTS[name];
      if (!startPart) throw new Error(`subgraph ${name} is in platform/topology.ts but the launcher has no part for it`);
      const { server, emulator } = await startPart(source, log, { ephemeral, seed: options.seed, state, emulatorRateLimits: readEmulatorRateLimits(source) });
      if (emulator) {
        closers.push(() => emulator.close());
        emulators[emulator.name] = emulator;
      }
      subgraphUrls[name] = await server.listen(ephemeral ? 0 : port);
      closers.push(() => server.close());
    }

    const gateway = await createGateway({
      config: { ...gatewayConfig, port: ephemeral ? 0 : gatewayConfig.port, subgraphUrls: { ...gatewayConfig.subgraphUrls, ...subgraphUrls } },
      log,
      state,
    });
    const gatewayUrl = await gateway.listen();
    closers.push(() => gateway.close());
    return { gatewayUrl, subgraphUrls, emulators: emulators as Stack['emulators'], close };
  } catch (error) {
    await close();
    throw error;
  }
}
