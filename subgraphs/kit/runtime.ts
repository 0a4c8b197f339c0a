import { env, readEnv, type Env } from '../../platform/index.js';

/** Switches every subgraph honours; both exist to measure what caching and batching save (bench:economy). */
export type SubgraphRuntime = {
  /** Read-through entity cache in front of the vendor; ENTITY_CACHE, default true. */
  entityCache: boolean;
  /** DataLoader batching of vendor calls; DATALOADER_BATCHING, default true. */
  batching: boolean;
};

export const DEFAULT_RUNTIME: SubgraphRuntime = { entityCache: true, batching: true };

export function readSubgraphRuntime(source: Env = process.env): SubgraphRuntime {
  const vars = readEnv({ ENTITY_CACHE: env.flag(true), DATALOADER_BATCHING: env.flag(true) }, source);
  return { entityCache: vars.ENTITY_CACHE, batching: vars.DATALOADER_BATCHING };
}
