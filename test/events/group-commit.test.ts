import { describe, expect, it } from 'vitest';
import { createGroupCommit } from '../../events/group-commit.js';

/** A write the test finishes by hand, so batching is decided by what is pending, never by time. */
function controlledWrite() {
  const calls: Array<{ items: string[]; finish: () => void; fail: (error: Error) => void }> = [];
  const write = (items: string[]) =>
    new Promise<string[]>((resolve, reject) => {
      calls.push({ items, finish: () => resolve(items.map((item) => `ok ${item}`)), fail: reject });
    });
  return { calls, write };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('group commit', () => {
  it('writes the first item at once, and everything that arrived meanwhile as the next batch', async () => {
    const { calls, write } = controlledWrite();
    const group = createGroupCommit(write);
    const first = group.submit('a');
    expect(calls.map((call) => call.items)).toEqual([['a']]);
    const rest = ['b', 'c', 'd'].map((item) => group.submit(item));
    await tick();
    expect(calls).toHaveLength(1);
    calls[0]!.finish();
    expect(await first).toBe('ok a');
    await tick();
    expect(calls.map((call) => call.items)).toEqual([['a'], ['b', 'c', 'd']]);
    calls[1]!.finish();
    expect(await Promise.all(rest)).toEqual(['ok b', 'ok c', 'ok d']);
    await group.drain();
  });

  it('splits batches by weight, and still writes an item heavier than the limit alone', async () => {
    const { calls, write } = controlledWrite();
    const group = createGroupCommit(write, { maxWeight: 3, weight: (item: string) => item.length });
    const results = ['x', 'a', 'b', 'cc', 'wwwww', 'v'].map((item) => group.submit(item));
    for (let index = 0; index < 5; index++) {
      await tick();
      calls[index]!.finish();
    }
    await Promise.all(results);
    expect(calls.map((call) => call.items)).toEqual([['x'], ['a', 'b'], ['cc'], ['wwwww'], ['v']]);
  });

  it('when a batch fails, writes its items one by one: only the bad one fails its caller', async () => {
    const group = createGroupCommit(async (items: string[]) => {
      if (items.includes('bad')) throw new Error(`refused ${items.join(',')}`);
      return items.map((item) => `ok ${item}`);
    });
    const blocker = group.submit('first');
    const batch = ['good', 'bad', 'fine'].map((item) => group.submit(item).catch((error: Error) => error.message));
    expect(await blocker).toBe('ok first');
    expect(await Promise.all(batch)).toEqual(['ok good', 'refused bad', 'ok fine']);
  });

  it('drain waits for what is in flight', async () => {
    const { calls, write } = controlledWrite();
    const group = createGroupCommit(write);
    void group.submit('a');
    let drained = false;
    const draining = group.drain().then(() => (drained = true));
    await tick();
    expect(drained).toBe(false);
    calls[0]!.finish();
    await draining;
    expect(drained).toBe(true);
  });
});
