import DataLoader from 'dataloader';
import type { CustomerSyncRecord } from '../../platform/index.js';
import type { SyncClient } from './client.js';

/** Without the sync records sync knows no customer. */
const UNKNOWN: CustomerSyncRecord = { pending: 0, failed: 0, lastSyncedAt: null, drift: [], known: false };

export type SyncLoaders = { customerSync: DataLoader<string, CustomerSyncRecord> };

/** One query set for every customer of a request (a list of 100 customers asks the database once). */
export function createLoaders(client: SyncClient): SyncLoaders {
  return {
    customerSync: new DataLoader(async (ids) => {
      const records = client.records;
      if (!records) return ids.map(() => UNKNOWN);
      const found = await records.read(ids);
      return ids.map((id) => found.get(id) ?? UNKNOWN);
    }),
  };
}
