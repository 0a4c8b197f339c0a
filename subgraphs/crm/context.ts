import type { SubgraphContext } from '../kit/index.js';
import type { CrmClient } from './client.js';
import type { CrmLoaders } from './loaders.js';

/** What every resolver of the CRM subgraph gets (codegen's `contextType`): the request, its client and loaders. */
export type Context = SubgraphContext<CrmClient, CrmLoaders>;
