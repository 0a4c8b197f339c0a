import type { Redis } from 'ioredis';
import type { PolicySettings } from './policy/settings.js';
import type { CallObserver, PolicyState, QuotaWindow } from './policy/types.js';

/**
 * What the kit needs of every vendor client: each request gets `withDeadline(deadline)`, so every vendor call
 * of the request (loaders, lists and mutations alike) stops at the gateway's deadline; `upstreamState()`
 * feeds `GET /health/upstreams`; `close()` runs after the server has drained, so no in-flight call loses its pool.
 */
export type VendorClient<Self> = {
  /** The same client (same policy, pool and credentials), its calls bounded by one request's deadline. */
  withDeadline(deadline: number | undefined): Self;
  /** The call policy's state, for /health/upstreams. */
  upstreamState(): PolicyState;
  /** Refuses new calls and closes the connection pool. */
  close(): void | Promise<void>;
};

/** The call-policy part of every vendor client's options. */
export type PolicyClientOptions = {
  /** Timeout, retries, breaker and bulkhead (each vendor's config reads them from the environment). */
  policy: PolicySettings;
  /** Quota buckets by name (each vendor documents its own); absent or {} for none. */
  quota?: Readonly<Record<string, readonly QuotaWindow[]>>;
  /** Counts the quota in Redis, shared by every replica; default in memory. */
  redis?: Redis;
  /** Sees every vendor call and attempt (metrics, traces: SubgraphTelemetry.observer); default none. */
  observer?: CallObserver;
};
