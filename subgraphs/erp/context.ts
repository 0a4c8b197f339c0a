import type { SubgraphContext } from '../kit/index.js';
import type { ErpClient } from './client.js';
import type { ErpLoaders } from './loaders.js';

/** What every resolver of the ERP subgraph gets (codegen's `contextType`): the request, its client and loaders. */
export type Context = SubgraphContext<ErpClient, ErpLoaders>;
