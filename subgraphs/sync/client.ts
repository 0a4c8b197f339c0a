import type { CustomerSyncReader } from '../../platform/index.js';
import type { VendorClient } from '../kit/index.js';

/**
 * What the sync subgraph's resolvers reach: the sync records in the platform database, read through the reader
 * the launcher builds from sync/. It has the kit's client shape so the kit's server serves it like a vendor's; the
 * database has no call policy, so its upstream state is fixed.
 */
export interface SyncClient extends VendorClient<SyncClient> {
  /** Undefined when the stack runs without the event pipeline (EVENTS=false): sync knows no customer. */
  readonly records: CustomerSyncReader | undefined;
}

export function createSyncClient(records: CustomerSyncReader | undefined): SyncClient {
  const client: SyncClient = {
    records,
    withDeadline: () => client,
    upstreamState: () => ({
      upstream: 'database',
      breaker: 'closed',
      inFlight: 0,
      queued: 0,
      recent: { attempts: 0, errorRate: 0, p50Ms: undefined, p95Ms: undefined, p99Ms: undefined },
      quota: {},
    }),
    // The launcher owns the database and closes it.
    close: () => {},
  };
  return client;
}
