import type { CustomerSyncRecord } from '../../platform/index.js';

/** The Customer as this subgraph knows it: its key only; `sync` is resolved from the records. */
export type CustomerModel = { id: string };

export type SyncStatus = 'IN_SYNC' | 'PENDING' | 'DRIFTED' | 'FAILED';

/** Pure: the schema's CustomerSync from the records. A failed write outranks drift, which outranks pending work. */
export function toCustomerSync(record: CustomerSyncRecord): {
  status: SyncStatus;
  lastSyncedAt: string | null;
  drift: CustomerSyncRecord['drift'];
} {
  const status: SyncStatus =
    record.failed > 0 ? 'FAILED' : record.drift.length > 0 ? 'DRIFTED' : record.pending > 0 ? 'PENDING' : 'IN_SYNC';
  return { status, lastSyncedAt: record.lastSyncedAt?.toISOString() ?? null, drift: record.drift };
}
