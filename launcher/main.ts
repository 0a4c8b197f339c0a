/**
 * `npm start [part]`: the embedded stack (default), or one part alone for a split deployment:
 *   npm start                  emulators (where no vendor is configured) + every subgraph + the gateway
 *   npm start -- gateway       the gateway alone (SUBGRAPH_<NAME>_URL point it at the subgraphs)
 *   npm start -- crm           one subgraph alone (its vendor configured, or its emulator started beside it);
 *                              crm serves crm-relations beside it (CRM_RELATIONS_PORT, default 4006)
 *   npm start -- worker        event workers alone (DATABASE_URL shared with the gateway that ingests)
 * An emulator alone: `npm run emulator:hubspot` (emulators/<vendor>/main.ts).
 */
import { z } from 'zod';
import { createGateway, readGatewayConfig } from '../gateway/index.js';
import {
  ConfigError,
  SUBGRAPHS,
  SUBGRAPH_PARTS,
  applyHeapGrowth,
  companionsOf,
  createLogger,
  createSharedState,
  env,
  loadEnvFile,
  readAdminConfig,
  readEnv,
} from '../platform/index.js';
import { createSubgraphTelemetry } from '../subgraphs/kit/index.js';
import { readEmulatorRateLimits, readEmulatorSearchLag } from './part.js';
import { PARTS } from './parts.js';
import { startStack } from './stack.js';
import { createPartTelemetry } from './telemetry.js';

type Running = { close(): Promise<void>; lines: string[] };

async function start(part: string): Promise<Running> {
  const gatewayConfig = readGatewayConfig();
  const log = createLogger({ name: part, level: gatewayConfig.logLevel });
  switch (part) {
    case 'all': {
      // STACK_PORTS=ephemeral: every part on a free port (a test running the whole stack as a child process).
      const { STACK_PORTS } = readEnv({ STACK_PORTS: z.enum(['fixed', 'ephemeral']).default('fixed') });
      const stack = await startStack({ log, ports: STACK_PORTS });
      return {
        close: stack.close,
        lines: [
          `Interchange gateway: ${stack.gatewayUrl}/graphql${gatewayConfig.sandbox ? ' (open it in a browser for Apollo Sandbox)' : ''}`,
          ...Object.entries(stack.subgraphUrls).map(([name, url]) => `  subgraph ${name}: ${url}`),
          ...Object.values(stack.emulators).map((emulator) => `  emulator ${emulator.name}: ${emulator.url}`),
        ],
      };
    }
    case 'gateway': {
      const state = createSharedState(process.env, log);
      await state.ready();
      const telemetry = await createPartTelemetry(process.env, { processMetrics: 'every' })('gateway');
      // A gateway alone ingests webhooks into the shared database; PGlite cannot be shared between processes.
      const events = process.env.DATABASE_URL
        ? await (await import('./events.js')).startEvents(process.env, log, state, {}, { workers: false })
        : undefined;
      events?.observe(telemetry.registry);
      const gateway = await createGateway({
        config: gatewayConfig,
        log,
        state,
        telemetry,
        admin: readAdminConfig(),
        routes: events?.routes,
        ...(events ? { events: events.panel } : {}),
      });
      const url = await gateway.listen();
      return {
        close: async () => {
          await gateway.close();
          await events?.close();
          await telemetry.shutdown();
          await state.close();
        },
        lines: [`Interchange gateway: ${url}/graphql`],
      };
    }
    case 'worker':
      return (await import('./worker.js')).startWorker(process.env, log);
    default: {
      const served = SUBGRAPHS.find((candidate) => candidate.name === part);
      if (served && 'part' in served) {
        throw new ConfigError([`"${part}" is served by the ${served.part} part, over its vendor client: npm start -- ${served.part}`]);
      }
      const subgraph = SUBGRAPH_PARTS.find((candidate) => candidate.name === part);
      if (!subgraph) {
        throw new ConfigError([
          `unknown part "${part}": expected all, gateway or a subgraph (${SUBGRAPH_PARTS.map((s) => s.name).join(', ')}); emulators start with npm run emulator:<vendor>`,
        ]);
      }
      const startPart = PARTS[subgraph.name];
      const companions = companionsOf(subgraph.name);
      // PORT for the part's own subgraph; <COMPANION>_PORT (CRM_RELATIONS_PORT) for each subgraph it serves beside.
      const portVar = (name: string) => `${name.toUpperCase().replaceAll('-', '_')}_PORT`;
      const ports = readEnv({
        PORT: env.port(subgraph.port),
        ...Object.fromEntries(companions.map((companion) => [portVar(companion.name), env.port(companion.port)])),
      }) as Record<string, number>;
      const PORT = ports.PORT!;
      const state = createSharedState(process.env, log);
      await state.ready();
      const telemetry = await createPartTelemetry(process.env, { processMetrics: 'every' })(part);
      // The analytics subgraph alone reads the read model the workers keep, when they share a PostgreSQL.
      const readModel = subgraph.name === 'analytics' ? await (await import('./events.js')).openAnalyticsReadModel(process.env) : undefined;
      const {
        server,
        companions: companionServers,
        emulator,
        close: closePart,
        connect,
      } = await startPart(process.env, log, {
        ...(readModel ? { analyticsReadModel: readModel.readModel } : {}),
        ephemeral: false,
        state,
        emulatorRateLimits: readEmulatorRateLimits(process.env),
        ...readEmulatorSearchLag(process.env),
        telemetry: createSubgraphTelemetry(telemetry, part),
        admin: readAdminConfig(),
      });
      const url = await server.listen(PORT, '0.0.0.0');
      const companionUrls: string[] = [];
      for (const companion of companions) {
        const companionServer = companionServers?.[companion.name];
        if (!companionServer) throw new Error(`part ${part} did not start its companion subgraph ${companion.name}`);
        companionUrls.push(`subgraph ${companion.name}: ${await companionServer.listen(ports[portVar(companion.name)], '0.0.0.0')}`);
      }
      // The sync subgraph alone writes through the gateway SYNC_GATEWAY_URL names (its sagas).
      const gatewayUrl = process.env.SYNC_GATEWAY_URL;
      const disconnect = connect && gatewayUrl ? await connect(gatewayUrl) : undefined;
      return {
        close: async () => {
          await disconnect?.();
          // Companions first: the part's server owns what they share (the vendor client).
          for (const companionServer of Object.values(companionServers ?? {})) await companionServer.close();
          await server.close();
          await closePart?.();
          await readModel?.close();
          await telemetry.shutdown();
          await emulator?.close();
          await state.close();
        },
        lines: [`subgraph ${part}: ${url}`, ...companionUrls, ...(emulator ? [`  emulator ${emulator.name}: ${emulator.url}`] : [])],
      };
    }
  }
}

// `.env` in the working directory (npm runs scripts from the repo root), or ENV_FILE; the environment wins.
loadEnvFile(process.env.ENV_FILE ?? '.env');
const part = process.argv[2] ?? 'all';
try {
  // Every part, alone or all together, keeps its heap near what is alive (HEAP_GROWTH_PERCENT, platform/memory.ts).
  applyHeapGrowth();
  const running = await start(part);
  for (const line of running.lines) console.log(line);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: draining in-flight requests, then stopping.`);
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}
