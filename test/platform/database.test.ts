import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { openDatabase } from '../../platform/index.js';

const root = mkdtempSync(join(tmpdir(), 'interchange-db-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

it('opens the embedded database in a folder whose parents do not exist yet (a fresh clone has no .data/)', async () => {
  const dataDir = join(root, '.data', 'pglite');
  const db = await openDatabase({ dataDir });
  try {
    const { rows } = await db.query<{ answer: number }>('SELECT 40 + $1::int AS answer', [2]);
    expect(rows).toEqual([{ answer: 42 }]);
    await db.query('CREATE TABLE kept (id int)');
    await db.query('INSERT INTO kept VALUES ($1)', [7]);
  } finally {
    await db.close();
  }
  expect(existsSync(dataDir)).toBe(true);
  // The folder was initialized by a child process: this one never grew its WebAssembly memory to initdb's ~600 MB.
  expect(process.memoryUsage().external).toBeLessThan(300 * 1024 * 1024);
  const again = await openDatabase({ dataDir });
  try {
    expect((await again.query<{ id: number }>('SELECT id FROM kept')).rows).toEqual([{ id: 7 }]);
  } finally {
    await again.close();
  }
}, 120_000);
