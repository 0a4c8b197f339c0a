import { Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger, createMemoryState, createRedisState, type SharedState } from '../../platform/index.js';
import { requireRedis, startPrivateRedis } from '../kit/redis.js';
import { memoryLogger } from '../kit/stack.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Whether the machine's Redis answers; under CI=true it must. */
async function redisReachable(): Promise<boolean> {
  const { hostname, port } = new URL(REDIS_URL);
  const reachable = await new Promise<boolean>((resolve) => {
    const socket = new Socket();
    socket.setTimeout(500);
    socket
      .once('connect', () => resolve(true))
      .once('error', () => resolve(false))
      .once('timeout', () => resolve(false));
    socket.connect(Number(port || 6379), hostname);
  }).finally(() => undefined);
  if (!reachable && process.env.CI) throw new Error(`CI=true requires Redis at ${REDIS_URL}`);
  return reachable;
}

const log = createLogger({ name: 'test', level: 'silent' });
const prefix = `test:${process.pid}:${Date.now()}:`;
const opened: SharedState[] = [];
const redisState = () => {
  const state = createRedisState({ url: REDIS_URL, log, prefix });
  opened.push(state);
  return state;
};
const ready = async (state: SharedState) => {
  await state.ready();
  return state;
};
afterAll(async () => {
  await Promise.all(opened.map((state) => state.close()));
});

const backends: Array<[string, () => SharedState, () => Promise<boolean>]> = [
  ['memory', createMemoryState, async () => true],
  ['redis', redisState, redisReachable],
];

describe.each(backends)('shared state, %s backend', (_name, create, available) => {
  it('stores, expires and deletes values', async ({ skip }) => {
    if (!(await available())) return skip();
    const state = await ready(create());
    await state.cache.set('a', 'one', { ttl: 1 });
    await state.cache.set('b', 'two');
    expect(await state.cache.get('a')).toBe('one');
    expect(await state.cache.get('b')).toBe('two');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await state.cache.get('a')).toBeUndefined();
    await state.cache.delete('b');
    expect(await state.cache.get('b')).toBeUndefined();
  });

  it('collects set members and hands them out once', async ({ skip }) => {
    if (!(await available())) return skip();
    const state = await ready(create());
    await state.addToSets(
      [
        { set: 's1', member: 'x' },
        { set: 's1', member: 'y' },
        { set: 's2', member: 'x' },
      ],
      60,
    );
    await state.addToSets([{ set: 's1', member: 'x' }], 60);
    expect((await state.takeSet('s1')).sort()).toEqual(['x', 'y']);
    expect(await state.takeSet('s1')).toEqual([]);
    expect(await state.takeSet('s2')).toEqual(['x']);
  });

  it('delivers published messages to every subscriber, until unsubscribed', async ({ skip }) => {
    if (!(await available())) return skip();
    const publisher = await ready(create());
    const subscriber = _name === 'memory' ? publisher : await ready(create());
    const received: string[] = [];
    const unsubscribe = await subscriber.subscribe('channel', (message) => received.push(message));
    await publisher.publish('channel', 'hello');
    await expect.poll(() => received, { timeout: 10_000 }).toEqual(['hello']);
    await unsubscribe();
    await publisher.publish('channel', 'again');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(received).toEqual(['hello']);
  });
});

describe('shared state without Redis', () => {
  it('answers misses at once and logs the outage once, never throwing', async () => {
    const { log: quiet, lines } = memoryLogger('warn');
    const state = createRedisState({ url: 'redis://127.0.0.1:9', log: quiet, prefix });
    opened.push(state);
    const waited = Date.now();
    await state.ready(300);
    expect(Date.now() - waited).toBeLessThan(1000);
    const started = Date.now();
    expect(await state.cache.get('anything')).toBeUndefined();
    await state.cache.set('k', 'v', { ttl: 10 });
    expect(await state.takeSet('s')).toEqual([]);
    await state.publish('channel', 'lost');
    const unsubscribe = await state.subscribe('channel', () => {});
    await unsubscribe();
    expect(Date.now() - started).toBeLessThan(1000);
    await expect.poll(() => lines.filter((line) => /redis unavailable/.test(String(line.msg))).length).toBe(1);
  });
});

describe.runIf(requireRedis())('shared state when Redis dies mid-run', () => {
  it('keeps cache keys under the prefix, then turns every cache call into a fast miss once Redis is gone', async () => {
    const { log: quiet, lines } = memoryLogger('warn');
    const redis = await startPrivateRedis();
    const state = createRedisState({ url: redis.url, log: quiet, prefix: 'mid-run:' });
    opened.push(state);
    try {
      await state.ready();
      await expect.poll(() => state.cache.set('k', 'v', { ttl: 60 }).then(() => state.cache.get('k')), { timeout: 2000 }).toBe('v');
      // The value lives in Redis, under the deployment's prefix, where another replica would find it.
      expect(await state.redis!.exists('mid-run:k')).toBe(1);
      await redis.stop();
      const started = Date.now();
      for (let i = 0; i < 20; i++) {
        expect(await state.cache.get('k')).toBeUndefined();
        await state.cache.set(`k${i}`, 'v', { ttl: 60 });
        await state.cache.delete('k');
      }
      // 60 calls against a dead Redis: each fails at once or within the 250 ms command timeout, never hangs.
      expect(Date.now() - started).toBeLessThan(1000);
      await expect.poll(() => lines.filter((line) => /redis unavailable/.test(String(line.msg))).length).toBe(1);
    } finally {
      await redis.stop();
    }
  });
});

describe('memory backend bound', () => {
  it('keeps its cached text within MEMORY_CACHE_MB, dropping the least recently used', async () => {
    const state = createMemoryState({ cacheMb: 1 });
    const body = 'x'.repeat(100 * 1024);
    for (let index = 0; index < 30; index++) await state.cache.set(`answer:${index}`, body);
    const sizes = state.sizes!();
    expect(sizes.memoryCacheLimitChars).toBe(1024 * 1024);
    expect(sizes.memoryCacheChars).toBeLessThanOrEqual(1024 * 1024);
    expect(await state.cache.get('answer:0')).toBeUndefined();
    expect(await state.cache.get('answer:29')).toBe(body);
    await state.close();
  });
});
