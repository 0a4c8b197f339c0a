import type { SubgraphContext } from '../kit/index.js';
import type { AnalyticsClient } from './client.js';
import type { AnalyticsLoaders } from './loaders.js';

/** What every resolver of the analytics subgraph gets (codegen's `contextType`): the request, its client and loaders. */
export type Context = SubgraphContext<AnalyticsClient, AnalyticsLoaders>;
