import { describe, expect, it } from 'vitest';
import { deriveInsertId, splitBatches, toImportEvent, toInputField } from '../../../subgraphs/analytics/import.js';
import { at } from './testkit.js';

describe('ingestion', () => {
  const input = {
    name: 'Purchase',
    distinctId: 'a@x.com',
    time: '2026-11-20T10:00:00Z',
    properties: { amount: 12.5, items: [{ sku: 'x', qty: 1 }] },
  };
  it('derives the same insert id for the same event whatever the key order, a different one otherwise', () => {
    const prepared = toImportEvent(input, 0);
    expect(prepared).toMatchObject({
      index: 0,
      event: { event: 'Purchase', properties: { amount: 12.5, time: at('2026-11-20T10:00:00Z'), distinct_id: 'a@x.com' } },
    });
    const insertId = (prepared as { insertId: string }).insertId;
    expect(insertId).toMatch(/^[0-9a-f]{32}$/);
    const reordered = toImportEvent({ ...input, properties: { items: [{ qty: 1, sku: 'x' }], amount: 12.5 } }, 7);
    expect((reordered as { insertId: string }).insertId).toBe(insertId);
    expect(
      deriveInsertId({ name: 'Purchase', distinctId: 'a@x.com', timeMs: at('2026-11-20T10:00:01Z'), properties: input.properties }),
    ).not.toBe(insertId);
    expect((toImportEvent({ ...input, insertId: 'my-id-1' }, 0) as { insertId: string }).insertId).toBe('my-id-1');
  });
  it('reports what cannot be sent with the input index and field', () => {
    expect(toImportEvent({ ...input, properties: [1, 2] }, 3)).toMatchObject({ index: 3, field: 'properties' });
    expect(toImportEvent({ ...input, properties: { time: 1 } }, 4)).toMatchObject({
      index: 4,
      field: 'properties',
      reason: expect.stringMatching(/time/),
    });
    expect(toImportEvent({ ...input, insertId: 'not valid!' }, 5)).toMatchObject({ index: 5, field: 'insertId', insertId: 'not valid!' });
    expect(toImportEvent({ ...input, properties: { blob: 'x'.repeat(1024 * 1024) } }, 6)).toMatchObject({
      index: 6,
      field: 'properties',
      reason: expect.stringMatching(/1 MB/),
    });
  });
  it('splits into requests under both the event and the byte cap, in order', () => {
    const events = Array.from({ length: 5000 }, (_, index) => ({ index, bytes: 100 }));
    expect(splitBatches(events).map((batch) => batch.length)).toEqual([2000, 2000, 1000]);
    // 10 events of 400 bytes: a 1000-byte cap holds 2 (2 + 400 + 1 + 400 = 803), not 3 (1204).
    const big = Array.from({ length: 10 }, (_, index) => ({ index, bytes: 400 }));
    const batches = splitBatches(big, 2000, 1000);
    expect(batches.map((batch) => batch.length)).toEqual([2, 2, 2, 2, 2]);
    expect(batches.flat().map((event) => event.index)).toEqual(big.map((event) => event.index));
    expect(splitBatches([])).toEqual([]);
  });
  it("maps Mixpanel's failed_records fields to input fields", () => {
    expect(['event', 'properties.time', 'properties.distinct_id', 'properties.$insert_id', 'properties'].map(toInputField)).toEqual([
      'name',
      'time',
      'distinctId',
      'insertId',
      'properties',
    ]);
  });
});
