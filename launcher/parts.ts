import { startAnalytics } from './analytics.js';
import { startCrm } from './crm.js';
import { startErp } from './erp.js';
import { startPayments } from './payments.js';
import type { StartPart } from './part.js';

/** How each subgraph of platform/topology.ts is started (with its emulator when no vendor is configured). */
export const PARTS: Record<string, StartPart> = {
  crm: startCrm,
  payments: startPayments,
  analytics: startAnalytics,
  erp: startErp,
};
