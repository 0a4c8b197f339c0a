/**
 * The embedded stack: the emulators (for every vendor with no real base URL configured), every subgraph and
 * the gateway, in one process. The only module that wires the parts together.
 */
import type { ErpSoapEmulator } from '../emulators/erp-soap/index.js';
import type { HubSpotEmulator } from '../emulators/hubspot/index.js';
import type { MixpanelEmulator } from '../emulators/mixpanel/index.js';
import type { Emulator } from '../emulators/shared/server.js';
import type { StripeEmulator } from '../emulators/stripe/index.js';
import { createGateway, readGatewayConfig } from '../gateway/index.js';
import { SUBGRAPHS, createLogger, createSharedState, readAdminConfig, type Env, type Logger } from '../platform/index.js';
import { createSubgraphTelemetry } from '../subgraphs/kit/index.js';
import { readEmulatorRateLimits } from './part.js';
import { createPartTelemetry } from './telemetry.js';
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
  const source = options.env ?? process.env;
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
  const admin = readAdminConfig(source);
  // One trace store for the process, so /status shows each trace across the gateway and every subgraph.
  const telemetryFor = createPartTelemetry(source, { processMetrics: 'gateway' });
  try {
    const emulators: Record<string, Emulator> = {};
    const subgraphUrls: Record<string, string> = {};
    for (const { name, port } of SUBGRAPHS) {
      const startPart = PARTS[name];
      if (!startPart) throw new Error(`subgraph ${name} is in platform/topology.ts but the launcher has no part for it`);
      const telemetry = await telemetryFor(name);
      closers.push(() => telemetry.shutdown());
      const { server, emulator } = await startPart(source, log, {
        ephemeral, seed: options.seed, state, emulatorRateLimits: readEmulatorRateLimits(source), telemetry: createSubgraphTelemetry(telemetry, name), admin,
      });
      if (emulator) {
        closers.push(() => emulator.close());
        emulators[emulator.name] = emulator;
      }
      subgraphUrls[name] = await server.listen(ephemeral ? 0 : port);
      closers.push(() => server.close());
    }

    const gatewayTelemetry = await telemetryFor('gateway');
    closers.push(() => gatewayTelemetry.shutdown());
    const gateway = await createGateway({
      config: { ...gatewayConfig, port: ephemeral ? 0 : gatewayConfig.port, subgraphUrls: { ...gatewayConfig.subgraphUrls, ...subgraphUrls } },
      log,
      state,
      telemetry: gatewayTelemetry,
      admin,
    });
    const gatewayUrl = await gateway.listen();
    closers.push(() => gateway.close());
    return { gatewayUrl, subgraphUrls, emulators: emulators as Stack['emulators'], close };
  } catch (error) {
    await close();
    throw error;
  }
}
