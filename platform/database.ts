import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import type { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';
import { z } from 'zod';
import { readEnv, type Env } from './config.js';

/** Something SQL can be sent to: the database itself or one open transaction. */
export interface Queryable {
  /**
   * One statement with `$1…` parameters, or (without parameters) a script of several statements, in which case
   * the last statement's rows are returned. pg-boss sends both kinds, so both backends accept both.
   */
  query<Row = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<{ rows: Row[] }>;
}

/**
 * The platform database: PostgreSQL (`DATABASE_URL`) or PGlite, Postgres compiled to WebAssembly and run in this
 * process (the embedded default). The same SQL and migrations run on both; callers never see which one it is,
 * except through `kind` for reports.
 */
export interface Database extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** The schema every unqualified name lives in (`public` unless a test or deployment chose its own). */
  readonly schema: string;
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export type DatabaseOptions = {
  /** postgres://… to use PostgreSQL; default none, meaning PGlite. */
  url?: string;
  /** PGlite only: the folder holding the data; default none, meaning in memory (gone when the process stops). */
  dataDir?: string;
  /** The schema to create (if missing) and work in; default `public`. Tests use a schema of their own. */
  schema?: string;
  /** PostgreSQL only: pool size; default 10. */
  poolSize?: number;
};

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

export async function openDatabase(options: DatabaseOptions = {}): Promise<Database> {
  const schema = options.schema ?? 'public';
  if (!IDENTIFIER.test(schema)) throw new Error(`schema "${schema}" must be a lower-case SQL identifier (letters, digits, _)`);
  return options.url ? openPostgres(options.url, schema, options.poolSize ?? 10) : openPglite(options.dataDir, schema);
}

async function openPostgres(url: string, schema: string, max: number): Promise<Database> {
  // Loaded on first use: every part imports platform/, only the event pipeline opens a database.
  const { default: postgres } = await import('pg');
  const pool = new postgres.Pool({ connectionString: url, max, options: `-c search_path=${schema}` });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  const run = async (client: pg.Pool | pg.PoolClient, text: string, params?: readonly unknown[]) => {
    const result = (await client.query(text, params as unknown[] | undefined)) as pg.QueryResult | pg.QueryResult[];
    return { rows: (Array.isArray(result) ? (result[result.length - 1]?.rows ?? []) : result.rows) as never[] };
  };
  await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  return {
    kind: 'postgres',
    schema,
    query: (text, params) => run(pool, text, params),
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work({ query: (text, params) => run(client, text, params) });
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

type PgliteLike = Pick<PGlite, 'query' | 'exec'>;

/**
 * Settings of the embedded database. Postgres' default buffer pool (shared_buffers 128 MB) is sized for a
 * server of its own; in PGlite it lives in this process's WebAssembly memory, which grows as pages are touched
 * and never shrinks, and it held about 200 MB of the whole stack's RSS under the soak (bench/reports/soak.md).
 * The embedded database holds one process's event log and job queue, so 16 MB of buffers is plenty (the
 * files stay in the operating system's page cache either way); WAL buffers follow it (1/32 of it).
 */
const EMBEDDED_POSTGRES_CONF = ['shared_buffers=16MB'];

/**
 * Creating a database folder (initdb) grows PGlite's WebAssembly memory to about 600 MB, and that memory is never
 * given back: a process that initialized its folder would carry it for life. So a fresh folder is initialized by a
 * short-lived child process, and this process only opens it (about 130 MB).
 */
async function initializeInChild(dataDir: string): Promise<void> {
  const script = 'const { PGlite } = await import(process.argv[1]); await (await PGlite.create({ dataDir: process.argv[2] })).close();';
  await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script, import.meta.resolve('@electric-sql/pglite'), dataDir]);
}

/**
 * Postgres' WebAssembly compiled by V8's baseline compiler (Liftoff) only, without tiering hot functions up to the
 * optimizing compiler: the optimized copies and the compiler's own memory cost about 50 MB of RSS that never
 * returns (bench/reports/soak.md), for speed that an embedded event log and job queue of one process does not need
 * (it waits on its callers, not on Postgres' CPU). The flag applies to modules compiled while it is set, so it is
 * set around PGlite's compilation only: other WebAssembly in the process (undici's HTTP parser) keeps tiering up.
 */
async function compiledBaselineOnly<T>(create: () => Promise<T>): Promise<T> {
  setFlagsFromString('--liftoff-only');
  try {
    return await create();
  } finally {
    setFlagsFromString('--no-liftoff-only');
  }
}

async function openPglite(dataDir: string | undefined, schema: string): Promise<Database> {
  const { PGlite: Engine } = await import('@electric-sql/pglite');
  if (dataDir) {
    // PGlite creates only the last folder of its path: on a fresh clone `.data/` does not exist yet.
    mkdirSync(dataDir, { recursive: true });
    if (!existsSync(join(dataDir, 'PG_VERSION'))) await initializeInChild(dataDir);
  }
  const db = await compiledBaselineOnly(() => Engine.create({ ...(dataDir ? { dataDir } : {}), postgresqlconf: EMBEDDED_POSTGRES_CONF }));
  const run = async (target: PgliteLike, text: string, params?: readonly unknown[]) => {
    // PGlite's extended protocol takes one statement; a parameterless script goes through exec instead.
    if (params && params.length > 0) return { rows: (await target.query(text, params as unknown[])).rows as never[] };
    const results = await target.exec(text);
    return { rows: (results[results.length - 1]?.rows ?? []) as never[] };
  };
  await db.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}; SET search_path TO ${schema}`);
  return {
    kind: 'pglite',
    schema,
    query: (text, params) => run(db, text, params),
    // PGlite is one connection: its transaction() holds everything else until it ends, like a table lock would.
    transaction: (work) => db.transaction((tx) => work({ query: (text, params) => run(tx, text, params) })),
    close: () => db.close(),
  };
}

/** `DATABASE_URL` (PostgreSQL) and `PGLITE_DATA_DIR` (the embedded database's folder). */
export function readDatabaseConfig(source: Env): DatabaseOptions {
  const config = readEnv(
    {
      DATABASE_URL: z
        .url({ protocol: /^postgres(ql)?$/, message: 'expected a URL such as postgres://postgres@127.0.0.1:5432/interchange' })
        .optional(),
      // `memory` keeps the embedded database in memory only (tests, throw-away runs).
      PGLITE_DATA_DIR: z.string().default('.data/pglite'),
      DATABASE_SCHEMA: z.string().regex(IDENTIFIER, 'expected a lower-case SQL identifier').default('public'),
    },
    source,
  );
  return {
    url: config.DATABASE_URL,
    dataDir: config.DATABASE_URL || config.PGLITE_DATA_DIR === 'memory' ? undefined : config.PGLITE_DATA_DIR,
    schema: config.DATABASE_SCHEMA,
  };
}

/** One versioned step of a part's schema. Versions only grow; a shipped migration is never edited. */
export type Migration = { version: number; name: string; sql: string };

/**
 * Applies the migrations not yet applied, in version order, each in its own transaction, and records them in
 * `<scope>_migrations`. Concurrent starters (several workers against one database) take an advisory lock, so
 * each migration runs once.
 */
export async function migrate(db: Database, scope: string, migrations: readonly Migration[]): Promise<number[]> {
  if (!IDENTIFIER.test(scope)) throw new Error(`migration scope "${scope}" must be a SQL identifier`);
  const table = `${scope}_migrations`;
  await db.query(
    `CREATE TABLE IF NOT EXISTS ${table} (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
  );
  const applied: number[] = [];
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    const done = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${db.schema}.${table}`]);
      const { rows } = await tx.query('SELECT 1 FROM ' + table + ' WHERE version = $1', [migration.version]);
      if (rows.length > 0) return false;
      await tx.query(migration.sql);
      await tx.query(`INSERT INTO ${table} (version, name) VALUES ($1, $2)`, [migration.version, migration.name]);
      return true;
    });
    if (done) applied.push(migration.version);
  }
  return applied;
}
