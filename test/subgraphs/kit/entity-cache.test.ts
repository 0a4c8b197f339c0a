import { describe, expect, it } from 'vitest';
import { PURGE_CHANNEL, createLogger, createMemoryState, encodePurge } from '../../../platform/index.js';
import { createEntityCache } from '../../../subgraphs/kit/entity-cache.js';

const log = createLogger({ name: 'test', level: 'silent' });

/** A vendor batch call that records what it was asked and answers after `delayMs`. */
function vendor(delayMs = 0) {
  const calls: string[][] = [];
  let version = 1;
  return {
    calls,
    bump: () => version++,
    batch: async (keys: readonly string[]) => {
      calls.push([...keys]);
      const answeredWith = version;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      return keys.map((key) => (key === 'missing' ? null : { id: key, version: answeredWith }));
    },
  };
}

describe('entity cache', () => {
  it('serves hits from the cache and sends only the misses to the vendor', async () => {
    const cache = await createEntityCache({ state: createMemoryState(), subgraph: 'crm', log });
    const upstream = vendor();
    const load = cache.wrap('Customer', 60, upstream.batch);
    expect(await load(['1', '2'])).toEqual([
      { id: '1', version: 1 },
      { id: '2', version: 1 },
    ]);
    expect(await load(['2', '3', 'missing'])).toEqual([{ id: '2', version: 1 }, { id: '3', version: 1 }, null]);
    expect(upstream.calls).toEqual([
      ['1', '2'],
      ['3', 'missing'],
    ]);
    // "Not found" is not remembered: the record may be created any moment.
    await load(['missing']);
    expect(upstream.calls.at(-1)).toEqual(['missing']);
  });

  it('makes one vendor call for concurrent misses of the same key, from different requests', async () => {
    const cache = await createEntityCache({ state: createMemoryState(), subgraph: 'crm', log });
    const upstream = vendor(50);
    const load = cache.wrap('Customer', 60, upstream.batch);
    const [a, b] = await Promise.all([load(['7', '8']), load(['8', '9'])]);
    expect(a).toEqual([
      { id: '7', version: 1 },
      { id: '8', version: 1 },
    ]);
    expect(b).toEqual([
      { id: '8', version: 1 },
      { id: '9', version: 1 },
    ]);
    expect(upstream.calls).toEqual([['7', '8'], ['9']]);
  });

  it('drops purged entities, by direct purge and by broadcast, and never stores a value fetched before a purge', async () => {
    const state = createMemoryState();
    const cache = await createEntityCache({ state, subgraph: 'crm', log });
    const upstream = vendor(50);
    const load = cache.wrap('Customer', 60, upstream.batch);
    await load(['1']);
    upstream.bump();
    await state.publish(PURGE_CHANNEL, encodePurge(['Customer:1']));
    expect(await load(['1'])).toEqual([{ id: '1', version: 2 }]);

    // A call under way when the purge lands answers with the old value, which must not be cached.
    upstream.bump();
    await cache.purge(['Customer:1']);
    const inFlight = load(['1']);
    await new Promise((resolve) => setTimeout(resolve, 10));
    upstream.bump();
    await cache.purge(['Customer:1']);
    expect(await inFlight).toEqual([{ id: '1', version: 3 }]);
    expect(await load(['1'])).toEqual([{ id: '1', version: 4 }]);
    await cache.close();
  });

  it('passes everything through when disabled', async () => {
    const cache = await createEntityCache({ state: createMemoryState(), subgraph: 'crm', log, enabled: false });
    const upstream = vendor();
    const load = cache.wrap('Customer', 60, upstream.batch);
    await load(['1']);
    await load(['1']);
    expect(upstream.calls).toEqual([['1'], ['1']]);
  });
});
