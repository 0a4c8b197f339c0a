import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyEvents } from '../../events/apply.js';
import { appendEvents } from '../../events/log.js';
import { EVENT_MIGRATIONS } from '../../events/migrations.js';
import { createMemoryState, migrate, type VendorEvent } from '../../platform/index.js';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../kit/database.js';

const kinds = await databaseKinds();

/** A change of `entity` that happened at second `at`, carrying `name`. */
function change(id: string, entity: string, at: number, name: string): VendorEvent {
  return {
    vendor: 'stripe',
    id,
    type: 'customer.updated',
    entity,
    occurredAt: new Date(at * 1000),
    payload: { id },
    state: { name },
    change: {
      kind: 'CustomerChanged',
      source: 'stripe',
      occurredAt: new Date(at * 1000).toISOString(),
      fields: { name },
      tags: [`T:${entity}`],
    },
  };
}

/**
 * A batch is applied in a fixed number of statements (events/apply.ts): these check that it decides as applying
 * the events one by one in log order would, within a batch, across batches, and with two batches at once.
 */
describe.each(kinds)('applying a batch of events on %s', (kind) => {
  let database: TestDatabase;
  const ids = new Map<string, number>();

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    await migrate(database.db, 'events', EVENT_MIGRATIONS);
  });
  afterAll(async () => {
    await database?.drop();
  });

  const append = async (events: VendorEvent[]) => {
    for (const row of await appendEvents(database.db, events, 'webhook')) ids.set(row.vendorEventId, row.id);
  };
  const stateOf = async (entity: string) => {
    const { rows } = await database.db.query<{ state: { name: string }; event_id: string }>(
      'SELECT state, event_id FROM entity_state WHERE entity = $1',
      [entity],
    );
    return rows[0]?.state.name;
  };
  const rowsOf = async (names: string[]) => {
    const { rows } = await database.db.query<{ vendor_event_id: string; status: string; applications: number }>(
      'SELECT vendor_event_id, status, applications FROM event_log WHERE vendor_event_id = ANY($1::text[]) ORDER BY id',
      [names],
    );
    return Object.fromEntries(rows.map((row) => [row.vendor_event_id, `${row.status}/${row.applications}`]));
  };

  it('judges each event against the earlier ones of its entity in the same batch, in log order', async () => {
    // Logged in this order: a1 (t=10), a2 (t=30), a3 (t=20, older than a2: stale), a4 (t=30, a tie: applies), b1 alone.
    await append([change('a1', 'e:a', 10, 'a1'), change('a2', 'e:a', 30, 'a2'), change('a3', 'e:a', 20, 'a3')]);
    await append([change('a4', 'e:a', 30, 'a4'), change('b1', 'e:b', 5, 'b1')]);
    const batch = ['a1', 'a2', 'a3', 'a4', 'b1'].map((name) => ({ id: ids.get(name)! }));
    // The requests' order does not matter, and a request twice in a batch applies once.
    const outcomes = await applyEvents(database.db, createMemoryState(), {}, [...batch].reverse().concat([{ id: ids.get('a1')! }]));
    expect(outcomes).toEqual(['applied', 'applied', 'stale', 'applied', 'applied', 'skipped']);
    expect(await rowsOf(['a1', 'a2', 'a3', 'a4', 'b1'])).toEqual({
      a1: 'applied/1',
      a2: 'applied/1',
      a3: 'stale/0',
      a4: 'applied/1',
      b1: 'applied/1',
    });
    expect(await stateOf('e:a')).toBe('a4');
    expect(await stateOf('e:b')).toBe('b1');
  });

  it('judges against the applied state across batches, skips what is done, re-applies a replay, calls hooks in log order', async () => {
    await append([change('a5', 'e:a', 25, 'a5'), change('a6', 'e:a', 40, 'a6'), change('c1', 'e:c', 1, 'c1')]);
    const seen: string[] = [];
    const outcomes = await applyEvents(
      database.db,
      createMemoryState(),
      { onChange: ({ change }) => void seen.push(String(change.fields.name)) },
      ['a6', 'a5', 'c1', 'a1'].map((name) => ({ id: ids.get(name)! })),
    );
    expect(outcomes).toEqual(['applied', 'stale', 'applied', 'skipped']);
    expect(seen).toEqual(['a6', 'c1']);
    expect(await stateOf('e:a')).toBe('a6');
    // A replay of an older event is judged again (stale), and changes nothing.
    expect(await applyEvents(database.db, createMemoryState(), {}, [{ id: ids.get('a2')!, replay: true }])).toEqual(['stale']);
    expect(await stateOf('e:a')).toBe('a6');
  });

  it('orders two batches of the same entities applied at once, whichever commits first', async () => {
    const events: VendorEvent[] = [];
    for (let index = 0; index < 40; index++) events.push(change(`d${index}`, `e:d${index % 4}`, 100 + index, `d${index}`));
    await append(events);
    const names = events.map((event) => event.id);
    const even = names.filter((_, index) => index % 2 === 0).map((name) => ({ id: ids.get(name)! }));
    const odd = names.filter((_, index) => index % 2 === 1).map((name) => ({ id: ids.get(name)! }));
    const [first, second] = await Promise.all([
      applyEvents(database.db, createMemoryState(), {}, even),
      applyEvents(database.db, createMemoryState(), {}, odd),
    ]);
    const rows = await rowsOf(names);
    // Every event is applied once or stale, never lost between the two, and each entity holds its newest event.
    expect([...first, ...second].every((outcome) => outcome === 'applied' || outcome === 'stale')).toBe(true);
    expect(Object.values(rows).every((value) => value === 'applied/1' || value === 'stale/0')).toBe(true);
    for (let entity = 0; entity < 4; entity++) expect(await stateOf(`e:d${entity}`)).toBe(`d${36 + entity}`);
    // An event is stale only beside a newer applied one of its entity (from the batch that committed first).
    const { rows: stale } = await database.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM event_log l WHERE l.vendor_event_id LIKE 'd%' AND l.status = 'stale' AND NOT EXISTS (
         SELECT 1 FROM event_log newer WHERE newer.entity = l.entity AND newer.occurred_at > l.occurred_at AND newer.status = 'applied')`,
    );
    expect(Number(stale[0]!.n)).toBe(0);
  });
});
