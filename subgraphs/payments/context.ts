import type { SubgraphContext } from '../kit/index.js';
import type { PaymentsClient } from './client.js';
import type { PaymentsLoaders } from './loaders.js';

/** What every resolver of the payments subgraph gets (codegen's `contextType`): the request, its client and loaders. */
export type Context = SubgraphContext<PaymentsClient, PaymentsLoaders>;
