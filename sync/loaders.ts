import DataLoader from 'dataloader';
import type { SyncClient } from './client.js';
import { readCustomerSync, type CustomerSyncRecord } from './store.js';

/** Without a database sync knows no customer. */
const UNKNOWN: CustomerSyncRecord = { pending: 0, failed: 0, lastSyncedAt: null, drift: [], known: false };

export type SyncLoaders = { customerSync: DataLoader<string, CustomerSyncRecord> };

/** One query set for every customer of a request (a list of 100 customers asks the database once). */
export function createLoaders(client: SyncClient): SyncLoaders {
  return {
    customerSync: new DataLoader(async (ids) => {
      const db = client.db;
      if (!db) return ids.map(() => UNKNOWN);
      const records = await readCustomerSync(db, ids);
      return ids.map((id) => records.get(id)!);
    }),
  };
}
