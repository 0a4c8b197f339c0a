import { InMemoryLRUCache, type KeyValueCache } from '@apollo/utils.keyvaluecache';
import { EventEmitter } from 'node:events';

export type { KeyValueCache };

/**
 * What the gateway and the subgraphs share between requests and, with the Redis backend, between replicas.
 * One interface, two backends: in memory (one process, the embedded default) and Redis.
 */
export interface SharedState {
  /** Key-value entries with a TTL. Apollo's KeyValueCache interface, so APQ and caches take it as is. */
  readonly cache: KeyValueCache<string>;
  /** Sends a message to every subscriber of the channel, on every replica. */
  publish(channel: string, message: string): Promise<void>;
  /** Resolves once subscribed; the returned function unsubscribes. */
  subscribe(channel: string, listener: (message: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** The in-memory backend: everything lives in this process and is gone when it stops. */
export function createMemoryState(): SharedState {
  const bus = new EventEmitter();
  bus.setMaxListeners(0);
  // Bounded by size (about 64 MB of values) so a long-running process cannot grow without limit.
  const cache = new InMemoryLRUCache<string>({ maxSize: 64 * 1024 * 1024 });
  return {
    cache,
    async publish(channel, message) {
      bus.emit(channel, message);
    },
    async subscribe(channel, listener) {
      bus.on(channel, listener);
      return async () => {
        bus.off(channel, listener);
      };
    },
    async close() {
      bus.removeAllListeners();
    },
  };
}
