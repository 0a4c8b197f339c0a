import { KeyvAdapter } from '@apollo/utils.keyvadapter';
import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import KeyvRedis, { createClient } from '@keyv/redis';
import { Redis } from 'ioredis';
import { Keyv } from 'keyv';
import { LRUCache } from 'lru-cache';
import { EventEmitter } from 'node:events';
import { z } from 'zod';
import { readEnv, type Env } from './config.js';
import type { Logger } from './logger.js';

export type { KeyValueCache };

/**
 * What the gateway and the subgraphs share between requests and, with the Redis backend, between replicas.
 * One interface, two backends: in memory (one process, the embedded default) and Redis (`REDIS_URL`).
 * Every operation is best-effort: when Redis is away, reads miss, writes are dropped and the trouble is
 * logged; no caller ever fails because of shared state.
 */
export interface SharedState {
  readonly backend: 'memory' | 'redis';
  /**
   * Resolves once the backend can serve (Redis connected), or after `timeoutMs` (default 2000) if it cannot:
   * start-up waits for Redis briefly, then runs degraded rather than not at all. Never rejects.
   */
  ready(timeoutMs?: number): Promise<void>;
  /** Key-value entries with a TTL in seconds. Apollo's KeyValueCache interface, so APQ takes it as is. */
  readonly cache: KeyValueCache<string>;
  /** Adds each member to its set; every touched set expires `ttlSeconds` after this call. */
  addToSets(entries: ReadonlyArray<{ set: string; member: string }>, ttlSeconds: number): Promise<void>;
  /** Returns every member of a set and removes the set. */
  takeSet(set: string): Promise<string[]>;
  /** Sends a message to every subscriber of the channel, in every process sharing the backend. */
  publish(channel: string, message: string): Promise<void>;
  /** Resolves once subscribed; the returned function unsubscribes. */
  subscribe(channel: string, listener: (message: string) => void): Promise<() => Promise<void>>;
  /** The Redis connection, for libraries that take one (quotas); undefined in memory. */
  readonly redis: Redis | undefined;
  /** What this process holds (memory backend): characters of cached text, tag sets; for bounds tests and the soak. */
  sizes?(): Record<string, number>;
  close(): Promise<void>;
}

/**
 * Apollo's KeyValueCache over a keyv instance. The adapter is typed against keyv's CommonJS declarations and we
 * import its ESM ones: the same class at runtime, two declarations to TypeScript, hence the cast.
 */
function apolloCache(keyv: Keyv<string>): KeyValueCache<string> {
  return new KeyvAdapter<string>(keyv as unknown as ConstructorParameters<typeof KeyvAdapter<string>>[0]);
}

/**
 * The in-memory backend's bound on cached values (response bodies, entity cache, APQ), in MB of their text: what
 * a process without Redis (the embedded stack) may keep. 32 MB holds thousands of typical answers; the
 * embedded stack's whole budget is 300 MB (bench/reports/soak.md).
 */
export const DEFAULT_MEMORY_CACHE_MB = 32;

export type MemoryStateOptions = {
  /** Bound of the cached values in MB (characters of their stored text); default DEFAULT_MEMORY_CACHE_MB. */
  cacheMb?: number;
};

/** The in-memory backend: everything lives in this process and is gone when it stops. */
export function createMemoryState(options: MemoryStateOptions = {}): SharedState {
  const bus = new EventEmitter();
  bus.setMaxListeners(0);
  // keyv over an LRU bounded by size so a long-running process cannot grow without limit. Keyv keeps the expiry
  // inside each entry, so the store needs no TTL of its own; lru-cache's `set` takes an options object where keyv
  // passes a number, hence the thin Map-shaped wrapper. Keyv hands the store serialized text: its length is the
  // size (serializing it again only to measure it would cost as much as a response body's copy).
  const lru = new LRUCache<string, object | string>({
    maxSize: (options.cacheMb ?? DEFAULT_MEMORY_CACHE_MB) * 1024 * 1024,
    sizeCalculation: (entry) => (typeof entry === 'string' ? entry.length : JSON.stringify(entry).length) || 1,
  });
  const store = {
    get: (key: string) => lru.get(key),
    set: (key: string, entry: object | string) => void lru.set(key, entry),
    delete: (key: string) => lru.delete(key),
    has: (key: string) => lru.has(key),
    clear: () => lru.clear(),
  };
  const cache: KeyValueCache<string> = apolloCache(new Keyv<string>({ store: store as unknown as Map<string, unknown> }));
  const sets = new Map<string, { members: Set<string>; expiresAt: number }>();
  return {
    backend: 'memory',
    ready: async () => {},
    cache,
    redis: undefined,
    sizes: () => ({ memoryCacheChars: lru.calculatedSize, memoryCacheLimitChars: lru.maxSize, tagSets: sets.size }),
    async addToSets(entries, ttlSeconds) {
      const expiresAt = Date.now() + ttlSeconds * 1000;
      for (const { set, member } of entries) {
        const current = sets.get(set);
        if (current && current.expiresAt > Date.now()) {
          current.members.add(member);
          current.expiresAt = expiresAt;
        } else {
          sets.set(set, { members: new Set([member]), expiresAt });
        }
      }
      // Expired sets are dropped lazily; sweeping on write keeps the map from growing with dead tags.
      if (sets.size > 10_000) for (const [name, value] of sets) if (value.expiresAt <= Date.now()) sets.delete(name);
    },
    async takeSet(set) {
      const current = sets.get(set);
      sets.delete(set);
      return current && current.expiresAt > Date.now() ? [...current.members] : [];
    },
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
      sets.clear();
    },
  };
}

export type RedisStateOptions = {
  /** e.g. redis://127.0.0.1:6379/0 */
  url: string;
  log: Logger;
  /** Prefix of every key and channel, so several deployments can share one Redis; default `interchange:`. */
  prefix?: string;
  /** How long one command may take before it counts as a miss; default 250 ms. */
  commandTimeoutMs?: number;
};

/**
 * The Redis backend. Commands fail at once while disconnected (no offline queue) and time out quickly, so a
 * Redis outage turns into cache misses instead of stalled requests; the connection keeps retrying in the
 * background and everything resumes when Redis is back.
 */
export function createRedisState(options: RedisStateOptions): SharedState {
  const prefix = options.prefix ?? 'interchange:';
  const log = options.log.child({ part: 'shared-state' });
  const connectionOptions = {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? 250,
    enableAutoPipelining: true,
    retryStrategy: (attempt: number) => Math.min(attempt * 200, 2000),
  };
  const client = new Redis(options.url, connectionOptions);
  // The subscriber queues its SUBSCRIBE until connected and resubscribes after every reconnect.
  const subscriber = new Redis(options.url, { ...connectionOptions, enableOfflineQueue: true, commandTimeout: undefined });
  const listeners = new Map<string, Set<(message: string) => void>>();

  // Logged once per outage, not once per failed command.
  let healthy = true;
  const trouble = (error: unknown) => {
    if (!healthy) return;
    healthy = false;
    log.warn({ err: error instanceof Error ? error.message : String(error) }, 'redis unavailable; shared state degrades to misses');
  };
  client.on('error', trouble);
  subscriber.on('error', trouble);
  client.on('ready', () => {
    if (!healthy) log.info('redis available again');
    healthy = true;
  });
  subscriber.on('message', (channel: string, message: string) => {
    for (const listener of listeners.get(channel) ?? []) listener(message);
  });

  const safely = async <T>(fallback: T, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      trouble(error);
      return fallback;
    }
  };

  // The cache-like keys (APQ, response bodies, entity cache) go through keyv + @keyv/redis, as the design
  // names; sets, pub/sub and counters stay on ioredis, which keyv has no equivalent for. @keyv/redis runs on
  // node-redis, configured to fail as fast as the ioredis client above: no offline queue (a command while
  // disconnected rejects at once), the same per-command timeout, background reconnects. It is connected here,
  // up front, because @keyv/redis would otherwise call connect() inside the first get and wait on it.
  const cacheClient = createClient({
    url: options.url,
    disableOfflineQueue: true,
    commandOptions: { timeout: connectionOptions.commandTimeout },
    socket: { connectTimeout: 2000, reconnectStrategy: (attempt: number) => Math.min(attempt * 200, 2000) },
  });
  cacheClient.on('error', trouble);
  cacheClient.connect().catch(trouble);
  const keyvStore = new KeyvRedis<string>(cacheClient, { keyPrefixSeparator: '', throwOnConnectError: false });
  // keyv hands its own namespace down to the store, so the prefix is given here, not to KeyvRedis.
  const keyv = new Keyv<string>({ store: keyvStore, namespace: prefix, useKeyPrefix: false, throwOnErrors: false });
  keyv.on('error', trouble);
  const adapter = apolloCache(keyv);
  // KeyvRedis already turns command failures into misses; this catches anything else keyv might throw.
  const cache: KeyValueCache<string> = {
    get: (key) => safely(undefined, () => adapter.get(key)),
    set: (key, value, setOptions) => safely(undefined, () => adapter.set(key, value, setOptions)),
    delete: (key) => safely(false, async () => Boolean(await adapter.delete(key))),
  };

  return {
    backend: 'redis',
    ready: (timeoutMs = 2000) =>
      new Promise<void>((resolve) => {
        if (client.status === 'ready') return resolve();
        const timer = setTimeout(done, timeoutMs);
        function done() {
          clearTimeout(timer);
          client.off('ready', done);
          resolve();
        }
        client.once('ready', done);
      }),
    cache,
    redis: client,
    addToSets: (entries, ttlSeconds) =>
      safely(undefined, async () => {
        if (entries.length === 0) return;
        const multi = client.multi();
        for (const { set, member } of entries) multi.sadd(prefix + set, member);
        for (const set of new Set(entries.map((entry) => entry.set))) multi.expire(prefix + set, ttlSeconds);
        await multi.exec();
      }),
    takeSet: (set) =>
      safely([] as string[], async () => {
        const result = await client
          .multi()
          .smembers(prefix + set)
          .del(prefix + set)
          .exec();
        const members = result?.[0]?.[1];
        return Array.isArray(members) ? (members as string[]) : [];
      }),
    publish: (channel, message) => safely(undefined, async () => void (await client.publish(prefix + channel, message))),
    async subscribe(channel, listener) {
      const name = prefix + channel;
      const current = listeners.get(name) ?? new Set();
      listeners.set(name, current);
      current.add(listener);
      if (current.size === 1) {
        const subscribing = subscriber.subscribe(name);
        // While Redis is away the SUBSCRIBE waits in the queue; callers must not wait for it.
        if (subscriber.status === 'ready') await safely(undefined, async () => void (await subscribing));
        else subscribing.catch(trouble);
      }
      return async () => {
        current.delete(listener);
        if (current.size === 0) {
          listeners.delete(name);
          const unsubscribing = subscriber.unsubscribe(name);
          if (subscriber.status === 'ready') await safely(undefined, async () => void (await unsubscribing));
          else unsubscribing.catch(() => {});
        }
      };
    },
    async close() {
      listeners.clear();
      client.disconnect();
      subscriber.disconnect();
      if (cacheClient.isOpen) cacheClient.destroy();
    },
  };
}

/** Redis when `REDIS_URL` is set, else memory. */
export function createSharedState(source: Env, log: Logger): SharedState {
  const { REDIS_URL, MEMORY_CACHE_MB } = readEnv(
    {
      REDIS_URL: z.url({ protocol: /^rediss?$/, message: 'expected a URL such as redis://127.0.0.1:6379' }).optional(),
      MEMORY_CACHE_MB: z.coerce.number().int().min(1).default(DEFAULT_MEMORY_CACHE_MB),
    },
    source,
  );
  return REDIS_URL ? createRedisState({ url: REDIS_URL, log }) : createMemoryState({ cacheMb: MEMORY_CACHE_MB });
}
