import type { Database } from '../platform/index.js';
import type { VendorClient } from '../subgraphs/kit/index.js';

/**
 * What the sync subgraph's resolvers reach: the database of sync records. It has the kit's client shape so the
 * kit's server serves it like a vendor's; the database has no call policy, so its upstream state is fixed.
 */
export interface SyncClient extends VendorClient<SyncClient> {
  readonly db: Database | undefined;
}

export function createSyncClient(db: Database | undefined): SyncClient {
  const client: SyncClient = {
    db,
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
