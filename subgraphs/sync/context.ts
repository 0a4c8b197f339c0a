import type { SubgraphContext } from '../kit/index.js';
import type { SyncClient } from './client.js';
import type { SyncLoaders } from './loaders.js';

/** What every resolver of the sync subgraph gets (codegen's `contextType`). */
export type Context = SubgraphContext<SyncClient, SyncLoaders>;
