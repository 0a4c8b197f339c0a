import type { Database } from '../platform/index.js';
import type { PropagateJob } from './engine.js';
import { GatewayError, type GatewayClient } from './gateway.js';
import type { SyncRules } from './rules.js';
import { SNAPSHOT_PAGE_QUERY, fieldValue, type CustomerSnapshot } from './values.js';

/** One field whose value in a receiving system differs from its owner's. */
export type Difference = {
  contactId: string;
  email: string | null;
  field: string;
  owner: string;
  system: string;
  expected: string | null;
  actual: string | null;
};

export type AuditResult = {
  /** Customers read (every CRM contact), and those linked to at least one other system (compared). */
  customers: number;
  linked: number;
  differences: Difference[];
  /** Differences by field and system, for the summary table. */
  summary: Array<{ field: string; system: string; differences: number }>;
  startedAt: string;
  finishedAt: string;
};

const PAGE = 100;

/** Pure: the differences of one customer, per the rules (a system with no record for the customer is skipped). */
export function compareCustomer(rules: SyncRules, customer: CustomerSnapshot): Difference[] {
  const differences: Difference[] = [];
  for (const rule of rules.fields) {
    const expected = fieldValue(customer, rule, rule.owner);
    if (expected === undefined) continue;
    for (const system of rule.receivers) {
      const actual = fieldValue(customer, rule, system);
      if (actual === undefined || actual === expected) continue;
      differences.push({ contactId: customer.id, email: customer.email, field: rule.field, owner: rule.owner, system, expected, actual });
    }
  }
  return differences;
}

/**
 * Compares every linked customer across the three systems (read through the gateway, a page of 100 customers
 * per request with their Stripe and ERP records joined), and stores what differs as each customer's drift.
 */
export async function runAudit(options: {
  db: Database;
  gateway: GatewayClient;
  rules: SyncRules;
  onProgress?: (done: number, total: number) => void;
}): Promise<AuditResult> {
  const { db, gateway, rules } = options;
  const startedAt = new Date().toISOString();
  const differences: Difference[] = [];
  let customers = 0;
  let linked = 0;
  let after: string | null = null;
  for (;;) {
    const answer: {
      data: {
        customers: { pageInfo: { hasNextPage: boolean; endCursor: string | null }; totalCount: number | null; nodes: CustomerSnapshot[] };
      };
      errors: readonly { message: string }[];
    } = await gateway.request(SNAPSHOT_PAGE_QUERY, { first: PAGE, after });
    // A system that could not be read would show as drift everywhere: stop rather than report it.
    if (answer.errors.length > 0)
      throw new GatewayError(`The audit could not read every system: ${answer.errors[0]!.message}`, answer.errors);
    const page = answer.data.customers;
    for (const customer of page.nodes) {
      customers++;
      if (!customer.billing && !customer.account) continue;
      linked++;
      const found = compareCustomer(rules, customer);
      differences.push(...found);
      await db.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO sync_links (contact_id, email, stripe_id, erp_no) VALUES ($1, $2, $3, $4)
           ON CONFLICT (contact_id) DO UPDATE SET email = EXCLUDED.email, stripe_id = COALESCE(EXCLUDED.stripe_id, sync_links.stripe_id),
             erp_no = COALESCE(EXCLUDED.erp_no, sync_links.erp_no), updated_at = now()`,
          [customer.id, customer.email, customer.billing?.id ?? null, customer.account?.number ?? null],
        );
        await tx.query('DELETE FROM sync_drift WHERE contact_id = $1', [customer.id]);
        for (const difference of found)
          await tx.query('INSERT INTO sync_drift (contact_id, field, system, expected, actual) VALUES ($1, $2, $3, $4, $5)', [
            customer.id,
            difference.field,
            difference.system,
            difference.expected,
            difference.actual,
          ]);
        await tx.query(
          `INSERT INTO sync_customers (contact_id, last_audit_at, last_synced_at) VALUES ($1, now(), CASE WHEN $2 THEN now() END)
           ON CONFLICT (contact_id) DO UPDATE SET last_audit_at = now(),
             last_synced_at = CASE WHEN $2 THEN now() ELSE sync_customers.last_synced_at END`,
          [customer.id, found.length === 0],
        );
      });
    }
    options.onProgress?.(customers, Math.max(page.totalCount ?? customers, customers));
    if (!page.pageInfo.hasNextPage || !page.pageInfo.endCursor) break;
    after = page.pageInfo.endCursor;
  }
  const counts = new Map<string, number>();
  for (const difference of differences)
    counts.set(`${difference.field}\u0000${difference.system}`, (counts.get(`${difference.field}\u0000${difference.system}`) ?? 0) + 1);
  const summary = [...counts].map(([key, count]) => {
    const [field = '', system = ''] = key.split('\u0000');
    return { field, system, differences: count };
  });
  return { customers, linked, differences, summary, startedAt, finishedAt: new Date().toISOString() };
}

/** The jobs that write the owner's values where the audit found differences: one per customer and owner. */
export function fixJobs(result: AuditResult, runId: string): PropagateJob[] {
  const byCustomer = new Map<string, PropagateJob>();
  for (const difference of result.differences) {
    const key = `${difference.contactId}:${difference.owner}`;
    const job = byCustomer.get(key) ?? {
      key: `audit:${runId}:${difference.owner}`,
      eventId: null,
      system: difference.owner as PropagateJob['system'],
      contactId: difference.contactId,
      fields: [],
      values: {},
      occurredAt: result.finishedAt,
    };
    if (!job.fields.includes(difference.field)) job.fields.push(difference.field);
    byCustomer.set(key, job);
  }
  return [...byCustomer.values()];
}

const csvCell = (value: string | null): string => (value === null ? '' : /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

/** The differences as CSV (RFC 4180: quoted where needed, CRLF line ends). */
export function toCsv(differences: readonly Difference[]): string {
  const header = ['contact_id', 'email', 'field', 'owner', 'system', 'expected', 'actual'];
  const lines = differences.map((d) => [d.contactId, d.email, d.field, d.owner, d.system, d.expected, d.actual].map(csvCell).join(','));
  return [header.join(','), ...lines].join('\r\n') + '\r\n';
}
