import { z } from 'zod';
import { ConfigError, env, readEnv, type Env } from '../../platform/index.js';

/** Switches every subgraph honours; both exist to measure what caching and batching save (bench:economy). */
export type SubgraphRuntime = {
  /** Read-through entity cache in front of the vendor; ENTITY_CACHE, default true. */
  entityCache: boolean;
  /** DataLoader batching of vendor calls; DATALOADER_BATCHING, default true. */
  batching: boolean;
  /** SUBGRAPH_SECRET: refuse requests the gateway did not sign with it; required in production, unset: unchecked. */
  gatewaySecret?: string | undefined;
};

export const DEFAULT_RUNTIME: SubgraphRuntime = { entityCache: true, batching: true };

export function readSubgraphRuntime(source: Env = process.env): SubgraphRuntime {
  const vars = readEnv(
    {
      NODE_ENV: env.nodeEnv(),
      ENTITY_CACHE: env.flag(true),
      DATALOADER_BATCHING: env.flag(true),
      SUBGRAPH_SECRET: z.string().min(32, 'expected at least 32 characters').optional(),
    },
    source,
  );
  if (vars.NODE_ENV === 'production' && !vars.SUBGRAPH_SECRET) {
    throw new ConfigError(['SUBGRAPH_SECRET: required in production, so subgraphs answer only the gateway (it is not set)']);
  }
  return { entityCache: vars.ENTITY_CACHE, batching: vars.DATALOADER_BATCHING, gatewaySecret: vars.SUBGRAPH_SECRET };
}
