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
import {
  SUBGRAPH_PARTS,
  companionsOf,
  createLogger,
  createSharedState,
  env,
  openDatabase,
  readAdminConfig,
  readDatabaseConfig,
  readEnv,
  type Env,
  type Logger,
} from '../platform/index.js';
import { createSubgraphTelemetry } from '../subgraphs/kit/index.js';
import type { StartedEvents } from './events.js';
import { lateReadModel } from './analytics.js';
import { readEmulatorRateLimits, readEmulatorSearchLag, type StartedPart } from './part.js';
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
  /** Entries in the in-process stores that must stay bounded: the shared state's, the gateway's, each emulator's request log. */
  sizes(): Record<string, number>;
  /** The event pipeline (webhooks, event log, workers); absent with EVENTS=false. */
  events?: StartedEvents;
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
  const admin = readAdminConfig(source);
  // One trace store for the process, so /status shows each trace across the gateway and every subgraph.
  const telemetryFor = createPartTelemetry(source, { processMetrics: 'gateway' });
  // The event pipeline (EVENTS=false leaves it out) and with it the analytics read model (ANALYTICS_SYNC=false).
  const { EVENTS, ANALYTICS_SYNC } = readEnv({ EVENTS: env.flag(true), ANALYTICS_SYNC: env.flag(true) }, source);
  // The analytics subgraph starts before the pipeline that owns the database; it gets the read model once it exists.
  const analyticsReadModel = EVENTS && ANALYTICS_SYNC ? lateReadModel() : undefined;
  try {
    // The event pipeline's database is opened first: the sync subgraph reads its records from it.
    const database = EVENTS ? await openDatabase(readDatabaseConfig(source)) : null;
    if (database) closers.push(() => database.close());
    const emulators: Record<string, Emulator> = {};
    const subgraphUrls: Record<string, string> = {};
    /** Parts that start work through the gateway once it listens (StartedPart.connect). */
    const connecting: Array<NonNullable<StartedPart['connect']>> = [];
    for (const { name, port } of SUBGRAPH_PARTS) {
      const startPart = PARTS[name];
      const telemetry = await telemetryFor(name);
      closers.push(() => telemetry.shutdown());
      const started = await startPart(source, log, {
        ephemeral,
        seed: options.seed,
        state,
        emulatorRateLimits: readEmulatorRateLimits(source),
        ...readEmulatorSearchLag(source),
        telemetry: createSubgraphTelemetry(telemetry, name),
        admin,
        database,
        ...(analyticsReadModel ? { analyticsReadModel } : {}),
      });
      const { server, emulator } = started;
      if (started.close) closers.push(started.close);
      if (started.connect) connecting.push(started.connect);
      if (emulator) {
        closers.push(() => emulator.close());
        emulators[emulator.name] = emulator;
      }
      subgraphUrls[name] = await server.listen(ephemeral ? 0 : port);
      closers.push(() => server.close());
      // After the part's own closer, so companions drain first (closers run newest first).
      for (const companion of companionsOf(name)) {
        const companionServer = started.companions?.[companion.name];
        if (!companionServer) throw new Error(`part ${name} did not start its companion subgraph ${companion.name}`);
        subgraphUrls[companion.name] = await companionServer.listen(ephemeral ? 0 : companion.port);
        closers.push(() => companionServer.close());
      }
    }

    // The event pipeline: webhooks into the log, workers applying them.
    const typed = emulators as Stack['emulators'];
    // Loaded only when on: the job engine is a heavy import for a stack that does not use it.
    const events = database
      ? await (
          await import('./events.js')
        ).startEvents(
          source,
          log,
          state,
          { stripe: typed.stripe, hubspot: typed.hubspot, erp: typed['erp-soap'], mixpanel: typed.mixpanel },
          { database },
        )
      : undefined;
    if (events) closers.push(() => events.close());
    if (events?.analytics) analyticsReadModel?.bind(events.analytics);

    const gatewayTelemetry = await telemetryFor('gateway');
    closers.push(() => gatewayTelemetry.shutdown());
    events?.observe(gatewayTelemetry.registry);
    const gateway = await createGateway({
      config: {
        ...gatewayConfig,
        port: ephemeral ? 0 : gatewayConfig.port,
        subgraphUrls: { ...gatewayConfig.subgraphUrls, ...subgraphUrls },
      },
      log,
      state,
      telemetry: gatewayTelemetry,
      admin,
      ...(events ? { events: events.panel } : {}),
      routes: events?.routes,
    });
    const gatewayUrl = await gateway.listen();
    // After the gateway's own closer, so what they started stops while the gateway still answers.
    for (const connect of connecting) closers.push(await connect(gatewayUrl));
    closers.push(() => gateway.close());
    events?.connectEmulators(gatewayUrl);
    const sizes = () => ({
      ...state.sizes?.(),
      ...gateway.sizes(),
      ...Object.fromEntries(
        Object.values(emulators).flatMap((emulator) =>
          Object.entries(emulator.sizes()).map(([store, size]) => [`${emulator.name}${store[0]!.toUpperCase()}${store.slice(1)}`, size]),
        ),
      ),
    });
    return { gatewayUrl, subgraphUrls, emulators: typed, events, sizes, close };
  } catch (error) {
    await close();
    throw error;
  }
}
