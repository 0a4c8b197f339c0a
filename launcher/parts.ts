import { startAnalytics } from './analytics.js';
import { startCrm } from './crm.js';
import { startErp } from './erp.js';
import { startPayments } from './payments.js';
import { startSync } from './sync.js';
import type { PartName } from '../platform/index.js';
import type { StartPart } from './part.js';

/**
 * How each subgraph of platform/topology.ts is started (with its emulator when no vendor is configured). Keyed by
 * PartName, so a subgraph added to the topology without a part here does not compile; a companion subgraph
 * (`crm-relations`) is started by its part (`StartedPart.companions`).
 */
export const PARTS: Record<PartName, StartPart> = {
  crm: startCrm,
  payments: startPayments,
  analytics: startAnalytics,
  erp: startErp,
  sync: startSync,
};
