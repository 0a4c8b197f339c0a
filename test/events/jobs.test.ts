import { afterAll, describe, expect, it } from 'vitest';
import { APPLY_QUEUE, startJobEngine, type JobEngine } from '../../events/jobs.js';
import { createLogger } from '../../platform/index.js';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../kit/database.js';

const log = createLogger({ name: 'test', level: 'silent' });
const kinds = await databaseKinds();

/**
 * Ingest enqueues apply jobs with its own SQL, inside the statement that appends (applyJobsSql), rather than a
 * second round trip through boss.insert: the row it writes must be the one pg-boss writes, or pg-boss would
 * retry, expire or dead-letter it differently. Checked against the installed pg-boss on both databases.
 */
describe.each(kinds)('apply jobs enqueued by SQL on %s', (kind) => {
  let database: TestDatabase;
  let engine: JobEngine;

  afterAll(async () => {
    await engine?.stop();
    await database?.drop();
  });

  it('writes the row boss.insert writes, from the queue settings', async () => {
    database = await openTestDatabase(kind);
    engine = await startJobEngine({ db: database.db, log, retryLimit: 3, retryDelaySeconds: 4, jobTimeoutSeconds: 17, maintenance: false });
    await engine.boss.insert([{ name: APPLY_QUEUE, data: { id: 1 } }]);
    await database.db.transaction((tx) => engine.enqueueApply(tx, [{ id: 2 }, { id: 3, replay: true }]));
    const schema = database.db.schema === 'public' ? 'pgboss' : `${database.db.schema}_jobs`;
    const { rows } = await database.db.query<Record<string, unknown>>(
      `SELECT name, data, state, priority, retry_limit, retry_count, retry_delay, retry_backoff, expire_in::text AS expire_in,
              dead_letter, policy, singleton_key, singleton_on, (keep_until - created_on)::text AS kept_for,
              start_after <= now() AS startable
       FROM ${schema}.job WHERE name = $1 ORDER BY data->>'id'`,
      [APPLY_QUEUE],
    );
    const [byBoss, bySql, replay] = rows;
    expect(bySql).toEqual({ ...byBoss, data: { id: 2 } });
    expect(replay).toEqual({ ...byBoss, data: { id: 3, replay: true } });
    expect(byBoss).toMatchObject({
      retry_limit: 3,
      retry_delay: 4,
      retry_backoff: true,
      expire_in: '00:00:17',
      dead_letter: 'events-dead',
    });
    // pg-boss creating its schema in PGlite on a loaded machine can take most of a minute.
  }, 120_000);
});
