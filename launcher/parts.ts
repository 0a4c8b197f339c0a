import { startAnalytics } from './analytics.js';
import { startCrm } from './crm.js';
import { startErp } from './erp.js';
import { startPayments } from './payments.js';
import { startSync } from './sync.js';
import type { SubgraphName } from '../platform/index.js';
import type { StartPart } from './part.js';

/**
 * How each subgraph of platform/topology.ts is started (with its emulator when no vendor is configured). Keyed by
 * SubgraphName, so a subgraph added to the topology without a part here does not compile.
 */
export const PARTS: Record<SubgraphName, StartPart> = {
  crm: startCrm,
  payments: startPayments,
  analytics: startAnalytics,
  erp: startErp,
  sync: startSync,
};
