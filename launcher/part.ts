import type { Emulator } from '../emulators/shared/server.js';
import type { Env, Logger, SharedState } from '../platform/index.js';
import type { SubgraphServer } from '../subgraphs/kit/index.js';

export type PartOptions = {
  /** Free ports for everything (tests) instead of the default ones. */
  ephemeral: boolean;
  /** Seed for emulator data; default the emulators' own. */
  seed?: number;
  /** The shared state every part of the process uses (entity cache, purge broadcast). */
  state: SharedState;
};

/** A started subgraph (not yet listening) and the emulator started for it, if no real vendor is configured. */
export type StartedPart<E extends Emulator = Emulator> = { server: SubgraphServer; emulator?: E };

export type StartPart = (env: Env, log: Logger, options: PartOptions) => Promise<StartedPart>;
