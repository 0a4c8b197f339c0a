/**
 * The saga engine over a real database (PGlite, and PostgreSQL in a schema of its own when reachable), with
 * steps that record what they do and a clock the test moves: order, compensation in reverse, a compensation
 * that fails and is retried, the same key, and a saga taken over from a process that died.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../../platform/index.js';
import { createSagaEngine, StepRefusedError, type SagaDefinition, type SagaEngine } from '../../../sync/saga/engine.js';
import { SAGA_MIGRATIONS } from '../../../sync/saga/migrations.js';
import type { Json } from '../../../sync/saga/store.js';
import { memoryLogger } from '../../kit/stack.js';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../../kit/database.js';

const kinds = await databaseKinds();
/** One database per kind for the file (opening PGlite is the slow part); every test leaves its sagas finished. */
const databases = new Map<string, TestDatabase>();
let engines: SagaEngine[] = [];

beforeAll(async () => {
  for (const kind of kinds) {
    const database = await openTestDatabase(kind);
    databases.set(kind, database);
    await migrate(database.db, 'sagas', SAGA_MIGRATIONS);
  }
}, 120_000);

afterAll(async () => {
  for (const database of databases.values()) await database.drop();
});

afterEach(async () => {
  for (const engine of engines) await engine.close();
  engines = [];
});

/** A three-step saga whose steps log to `journal`; `fail` names steps that throw, `failUndo` compensations that do. */
function recording(
  journal: string[],
  options: { fail?: Set<string>; failUndo?: Set<string>; refuse?: string } = {},
): SagaDefinition<{ n: number }> {
  const step = (name: string, system: string) => ({
    name,
    system,
    async run(context: { attempt: number; key: string }): Promise<Json> {
      journal.push(`run ${name} #${context.attempt}`);
      if (options.refuse === name) throw new StepRefusedError('CUSTOMER_EXISTS', `${name} exists`);
      if (options.fail?.has(name)) throw Object.assign(new Error(`${name} is down`), { code: 'UPSTREAM_UNAVAILABLE' });
      return { id: `${name}-1`, key: context.key };
    },
    async compensate(_context: unknown, result: Json | undefined) {
      journal.push(`undo ${name} ${result === undefined ? '?' : 'done'}`);
      if (options.failUndo?.has(name)) throw new Error(`${name} undo is down`);
    },
  });
  return { kind: 'test', steps: [step('a', 'hubspot'), step('b', 'stripe'), step('c', 'erp')] };
}

async function setup(kind: 'pglite' | 'postgres', definition: SagaDefinition<{ n: number }>, clock: { now: number }) {
  const database = databases.get(kind)!;
  const engine = createSagaEngine({
    db: database.db,
    log: memoryLogger().log,
    definitions: [definition as SagaDefinition<never>],
    now: () => new Date(clock.now),
    leaseMs: 10_000,
    retryCompensationMs: 5_000,
  });
  engines.push(engine);
  return { db: database.db, engine };
}

describe.each(kinds)('saga engine on %s', (kind) => {
  it('runs the steps in order and keeps each result', async () => {
    const journal: string[] = [];
    const { engine } = await setup(kind, recording(journal), { now: Date.UTC(2026, 0, 1) });
    const { saga, replayed } = await engine.start('test', { n: 1 }, 'k1');
    expect(replayed).toBe(false);
    expect(journal).toEqual(['run a #1', 'run b #1', 'run c #1']);
    expect(saga.status).toBe('completed');
    expect(saga.result).toEqual({
      a: { id: 'a-1', key: `saga:${saga.id}:a` },
      b: { id: 'b-1', key: `saga:${saga.id}:b` },
      c: { id: 'c-1', key: `saga:${saga.id}:c` },
    });
    expect(saga.steps.map((step) => [step.name, step.status])).toEqual([
      ['a', 'done'],
      ['b', 'done'],
      ['c', 'done'],
    ]);
  });

  it('compensates in reverse on a failure, names the system, and answers the same failure for the same key', async () => {
    const journal: string[] = [];
    const { engine } = await setup(kind, recording(journal, { fail: new Set(['c']) }), { now: Date.UTC(2026, 0, 1) });
    const { saga } = await engine.start('test', { n: 1 }, 'k2');
    expect(journal).toEqual(['run a #1', 'run b #1', 'run c #1', 'undo c ?', 'undo b done', 'undo a done']);
    expect(saga.status).toBe('failed');
    expect(saga.compensated).toBe(true);
    expect(saga.error).toEqual({ system: 'erp', step: 'c', code: 'UPSTREAM_UNAVAILABLE', message: 'c is down' });

    const again = await engine.start('test', { n: 1 }, 'k2');
    expect(again.replayed).toBe(true);
    expect(again.saga.id).toBe(saga.id);
    expect(again.saga.error).toEqual(saga.error);
    expect(journal).toHaveLength(6);
    await expect(engine.start('test', { n: 2 }, 'k2')).rejects.toThrow(/different request/);
  });

  it('does not undo a step that refused to act', async () => {
    const journal: string[] = [];
    const { engine } = await setup(kind, recording(journal, { refuse: 'b' }), { now: Date.UTC(2026, 0, 1) });
    const { saga } = await engine.start('test', { n: 1 }, 'k3');
    expect(journal).toEqual(['run a #1', 'run b #1', 'undo a done']);
    expect(saga.error).toMatchObject({ system: 'stripe', code: 'CUSTOMER_EXISTS' });
  });

  it('undoes the other steps when one compensation fails, and retries that one once its time has come', async () => {
    const journal: string[] = [];
    const failUndo = new Set(['b']);
    const clock = { now: Date.UTC(2026, 0, 1) };
    const { engine } = await setup(kind, recording(journal, { fail: new Set(['c']), failUndo }), clock);
    const { saga } = await engine.start('test', { n: 1 }, 'k4');
    expect(saga.status).toBe('compensating');
    expect(saga.leaseOwner).toBeNull();
    expect(journal.slice(3)).toEqual(['undo c ?', 'undo b done', 'undo a done']);
    expect(saga.steps.find((step) => step.name === 'b')!.compensationError).toBe('b undo is down');

    expect(await engine.recover()).toBe(0);
    failUndo.clear();
    clock.now += 5_001;
    expect(await engine.recover()).toBe(1);
    await engine.close();
    expect(journal.slice(6)).toEqual(['undo b done']);
    expect((await engine.get(saga.id))!.status).toBe('failed');
  });

  it('takes over a saga whose process died once its lease ran out, and finishes it forward', async () => {
    const journal: string[] = [];
    const clock = { now: Date.UTC(2026, 0, 1) };
    const { db, engine } = await setup(kind, recording(journal), clock);
    // What a process killed during step b leaves: a running saga, a done, b started, its lease still live.
    const at = new Date(clock.now).toISOString();
    const until = new Date(clock.now + 10_000).toISOString();
    await db.query(
      `INSERT INTO sagas (id, idempotency_key, kind, input, input_hash, status, lease_owner, lease_until, runs, created_at, updated_at)
       VALUES ('s1', 'k5', 'test', '{"n":1}', 'h', 'running', 'dead:1', $1, 1, $2, $2)`,
      [until, at],
    );
    await db.query(
      `INSERT INTO saga_steps (saga_id, position, name, system, status, attempts, result, started_at, done_at) VALUES
       ('s1', 0, 'a', 'hubspot', 'done', 1, '{"id":"a-1"}', $1, $1), ('s1', 1, 'b', 'stripe', 'started', 1, NULL, $1, NULL)`,
      [at],
    );
    expect(await engine.recover()).toBe(0);
    clock.now += 10_001;
    expect(await engine.recover()).toBe(1);
    await engine.close();
    expect(journal).toEqual(['run b #2', 'run c #1']);
    const saga = (await engine.get('s1'))!;
    expect(saga.status).toBe('completed');
    expect(saga.runs).toBe(2);
  });

  it('undoes instead of finishing a saga interrupted longer ago than it may resume', async () => {
    const journal: string[] = [];
    const clock = { now: Date.UTC(2026, 0, 1) };
    const { db, engine } = await setup(kind, recording(journal), clock);
    const at = new Date(clock.now).toISOString();
    await db.query(
      `INSERT INTO sagas (id, idempotency_key, kind, input, input_hash, status, lease_owner, lease_until, runs, created_at, updated_at)
       VALUES ('s2', 'k6', 'test', '{"n":1}', 'h', 'running', 'dead:1', $1, 1, $1, $1)`,
      [at],
    );
    await db.query(
      `INSERT INTO saga_steps (saga_id, position, name, system, status, attempts, result, started_at) VALUES ('s2', 0, 'a', 'hubspot', 'started', 1, NULL, $1)`,
      [at],
    );
    clock.now += 13 * 3600_000;
    expect(await engine.recover()).toBe(1);
    await engine.close();
    expect(journal).toEqual(['undo a ?']);
    expect((await engine.get('s2'))!).toMatchObject({ status: 'failed', error: { code: 'SAGA_EXPIRED' } });
  });
});
