import { PURGE_CHANNEL, decodePurge, type Logger, type SharedState } from '../../platform/index.js';

/** A batch function as DataLoader takes it: one value (or null, "not found") per key, in key order. */
export type BatchFn<V> = (keys: readonly string[]) => Promise<Array<V | null>>;

export type EntityCache = {
  /**
   * Read-through caching around a vendor batch call: keys found in the shared cache skip the vendor, the
   * rest go in one call; concurrent misses for the same key, from any request, wait for one vendor call.
   * Values are cached as JSON for `ttlSeconds` under the tag `<typename>:<key>`; "not found" is not cached.
   */
  wrap<V>(typename: string, ttlSeconds: number, batch: BatchFn<V>): BatchFn<V>;
  /** Drops the cached values of these tags (in this process and, through the shared store, everywhere). */
  purge(tags: Iterable<string>): Promise<void>;
  /** Stops listening for purges. */
  close(): Promise<void>;
};

export type EntityCacheOptions = {
  state: SharedState;
  /** The subgraph's name: cache keys are per subgraph, since each one caches its own vendor's objects. */
  subgraph: string;
  log: Logger;
  /** False turns caching off (every key goes to the vendor); default true. */
  enabled?: boolean;
  /** Told of every batch looked up: how many keys, how many were cached (metrics); default none. */
  onLookup?(lookup: { typename: string; keys: number; hits: number }): void;
};

export async function createEntityCache(options: EntityCacheOptions): Promise<EntityCache> {
  const { state, subgraph } = options;
  const keyOf = (tag: string) => `entity:${subgraph}:${tag}`;
  const inFlight = new Map<string, Promise<unknown>>();
  // A vendor call that was under way when its entity was purged may carry the old value: it is not stored.
  const stale = new WeakSet<Promise<unknown>>();

  const purge = async (tags: Iterable<string>) => {
    await Promise.all(
      [...tags].map((tag) => {
        const cacheKey = keyOf(tag);
        const pending = inFlight.get(cacheKey);
        if (pending) stale.add(pending);
        inFlight.delete(cacheKey);
        return state.cache.delete(cacheKey);
      }),
    );
  };
  const unsubscribe = await state.subscribe(PURGE_CHANNEL, (message) => {
    purge(decodePurge(message)).catch((error: unknown) => options.log.warn({ err: error }, 'entity cache purge failed'));
  });

  return {
    wrap<V>(typename: string, ttlSeconds: number, batch: BatchFn<V>): BatchFn<V> {
      if (options.enabled === false) return batch;
      return async (keys) => {
        const cacheKeys = keys.map((key) => keyOf(`${typename}:${key}`));
        const cached = await Promise.all(cacheKeys.map((cacheKey) => state.cache.get(cacheKey)));
        options.onLookup?.({ typename, keys: keys.length, hits: cached.filter((hit) => hit !== undefined).length });
        const results: Array<Promise<V | null> | V | null> = cached.map((hit) => (hit === undefined ? null : (JSON.parse(hit) as V)));

        const misses: number[] = [];
        cached.forEach((hit, index) => {
          if (hit !== undefined) return;
          const pending = inFlight.get(cacheKeys[index]!);
          if (pending) results[index] = pending as Promise<V | null>;
          else misses.push(index);
        });
        if (misses.length > 0) {
          const call = batch(misses.map((index) => keys[index]!));
          misses.forEach((index, position) => {
            const cacheKey = cacheKeys[index]!;
            const value: Promise<V | null> = call.then(async (values) => {
              const found = values[position] ?? null;
              if (found !== null && !stale.has(value)) await state.cache.set(cacheKey, JSON.stringify(found), { ttl: ttlSeconds });
              return found;
            });
            inFlight.set(cacheKey, value);
            // Cleared whether the call worked or not, so a failure is retried by the next request.
            value
              .finally(() => {
                if (inFlight.get(cacheKey) === value) inFlight.delete(cacheKey);
              })
              .catch(() => {});
            results[index] = value;
          });
        }
        return Promise.all(results);
      };
    },
    purge,
    close: unsubscribe,
  };
}
