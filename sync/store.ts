import type { CustomerSyncReader, CustomerSyncRecord, Queryable } from '../platform/index.js';

/** The sync records of many customers at once (the subgraph's DataLoader batch), by contact id. */
export async function readCustomerSync(db: Queryable, contactIds: readonly string[]): Promise<Map<string, CustomerSyncRecord>> {
  const ids = [...contactIds];
  const result = new Map<string, CustomerSyncRecord>(
    ids.map((id) => [id, { pending: 0, failed: 0, lastSyncedAt: null, drift: [], known: false }]),
  );
  const [customers, writes, drift, links] = await Promise.all([
    db.query<{ contact_id: string; last_synced_at: Date | string | null }>(
      'SELECT contact_id, last_synced_at FROM sync_customers WHERE contact_id = ANY($1::text[])',
      [ids],
    ),
    // A failed write counts only while no later write to the same system succeeded.
    db.query<{ contact_id: string; status: string; n: string | number }>(
      `SELECT w.contact_id, w.status, count(*) AS n FROM sync_writes w
       WHERE w.contact_id = ANY($1::text[]) AND w.status IN ('pending', 'failed')
         AND NOT (w.status = 'failed' AND EXISTS (
           SELECT 1 FROM sync_writes later WHERE later.contact_id = w.contact_id AND later.target = w.target
             AND later.id > w.id AND later.status = 'done'))
       GROUP BY w.contact_id, w.status`,
      [ids],
    ),
    db.query<{ contact_id: string; field: string; system: string; expected: string | null; actual: string | null }>(
      'SELECT contact_id, field, system, expected, actual FROM sync_drift WHERE contact_id = ANY($1::text[]) ORDER BY field, system',
      [ids],
    ),
    db.query<{ contact_id: string }>('SELECT contact_id FROM sync_links WHERE contact_id = ANY($1::text[])', [ids]),
  ]);
  for (const row of links.rows) result.get(row.contact_id)!.known = true;
  for (const row of customers.rows) {
    const record = result.get(row.contact_id)!;
    record.known = true;
    record.lastSyncedAt = row.last_synced_at === null ? null : new Date(row.last_synced_at);
  }
  for (const row of writes.rows) {
    const record = result.get(row.contact_id)!;
    record.known = true;
    if (row.status === 'pending') record.pending = Number(row.n);
    else record.failed = Number(row.n);
  }
  for (const row of drift.rows) {
    const record = result.get(row.contact_id)!;
    record.known = true;
    record.drift.push({ field: row.field, system: row.system, expected: row.expected, actual: row.actual });
  }
  return result;
}

/** The sync records as the sync subgraph reads them (the launcher hands it this reader). */
export function createCustomerSyncReader(db: Queryable): CustomerSyncReader {
  return { read: (contactIds) => readCustomerSync(db, contactIds) };
}
