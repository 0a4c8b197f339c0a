/**
 * Databases for tests: PGlite in memory, and the machine's PostgreSQL in a schema of the test's own (dropped
 * after). Where PostgreSQL cannot be reached a test may skip it on a laptop; under CI=true that is a failure.
 */
import pg from 'pg';
import { openDatabase, type Database } from '../../platform/index.js';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch (error) {
    if (process.env.CI) throw new Error(`CI=true requires PostgreSQL at ${TEST_DATABASE_URL}: ${(error as Error).message}`);
    return false;
  }
}

export type TestDatabase = { db: Database; url?: string; schema: string; drop(): Promise<void> };

/** A fresh database of the kind: PGlite in memory, or a new schema on the test PostgreSQL. */
export async function openTestDatabase(kind: 'pglite' | 'postgres'): Promise<TestDatabase> {
  const schema = `t_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  if (kind === 'pglite') {
    const db = await openDatabase({});
    return { db, schema: 'public', drop: () => db.close() };
  }
  const db = await openDatabase({ url: TEST_DATABASE_URL, schema, poolSize: 5 });
  return {
    db,
    url: TEST_DATABASE_URL,
    schema,
    async drop() {
      await db.close();
      await dropTestSchema(schema);
    },
  };
}

/** Drops a test's schema on the test PostgreSQL, with the job engine's tables (in <schema>_jobs). */
export async function dropTestSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; DROP SCHEMA IF EXISTS ${schema}_jobs CASCADE`);
  } finally {
    await client.end();
  }
}

/** The kinds to run against: always PGlite, PostgreSQL when reachable (always under CI). */
export async function databaseKinds(): Promise<Array<'pglite' | 'postgres'>> {
  return (await postgresReachable()) ? ['pglite', 'postgres'] : ['pglite'];
}
