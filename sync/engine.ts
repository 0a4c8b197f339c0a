import { createHash } from 'node:crypto';
import type PgBoss from 'pg-boss';
import { asBossDb, type ApplyHooks } from '../events/index.js';
import type { Database, Logger, Queryable } from '../platform/index.js';
import { runAudit, type AuditResult } from './audit.js';
import { GatewayError, type GatewayClient, type GraphQLError } from './gateway.js';
import type { FieldRule, SyncRules, System } from './rules.js';
import { SYSTEMS } from './rules.js';
import { CONTACT_BY_EMAIL_QUERY, SNAPSHOT_QUERY, changedFields, fieldValue, toMutationInput, type CustomerSnapshot } from './values.js';

export const SYNC_QUEUE = 'sync-propagate';
/** The scheduled audit's queue (SYNC_AUDIT_CRON): one run at a time across every process. */
export const SYNC_AUDIT_QUEUE = 'sync-audit';

/**
 * One change to propagate: which system changed which rule fields of which customer, and the values the change
 * reported (absent where the event carries none). `key` makes every write of the job idempotent: `event:<id>`
 * for a logged vendor event, `audit:<run>` for an audit's fix.
 */
export type PropagateJob = {
  key: string;
  eventId: number | null;
  system: System;
  contactId?: string;
  stripeId?: string;
  erpNo?: string;
  email?: string;
  /** Other emails the subject had (a Stripe change of email names the previous one): the contact may hold one. */
  emails?: string[];
  fields: string[];
  values: Record<string, string | null>;
  occurredAt: string;
};

export type SyncCounters = { jobs: number; writes: number; echoes: number; conflicts: number; retries: number; failures: number };

export type SyncEngineOptions = {
  db: Database;
  rules: SyncRules;
  gateway: GatewayClient;
  log: Logger;
  /** Attempts after the first before a job is given up (its writes stay `failed`); default 5. */
  retryLimit?: number;
  /** First retry delay in seconds, doubling; default 1. */
  retryDelaySeconds?: number;
  /** How long an echo of one of our writes is recognized by its value; default 1 hour. */
  echoWindowMs?: number;
  now?: () => number;
};

export type SyncEngine = {
  /** The apply hook: a change of a shared field becomes a propagation job, enqueued in the apply transaction. */
  readonly hooks: Required<Pick<ApplyHooks, 'onChange'>>;
  /** Creates the queue on the pipeline's job engine; changes applied before this are not propagated. */
  attach(boss: PgBoss): Promise<void>;
  /**
   * Works the queue in this process, and the audit's: `auditCron` schedules it (pg-boss's cron, one run per
   * tick whichever process takes it); null removes the schedule; absent leaves the schedule as it is.
   */
  startWorkers(options?: { concurrency?: number; batchSize?: number; auditCron?: string | null }): Promise<void>;
  /** Runs the audit now and records its result in the event log (vendor `interchange`, type `sync.audit`). */
  audit(): Promise<AuditResult>;
  /** Enqueues jobs outside an event (the audit's fix). */
  enqueue(jobs: readonly PropagateJob[]): Promise<void>;
  /** Runs one job now (the worker's handler). */
  propagate(job: PropagateJob): Promise<void>;
  readonly counters: SyncCounters;
  stop(): Promise<void>;
};

const ALIAS: Record<System, string> = { hubspot: 'crm', stripe: 'billing', erp: 'erp' };
const ERP_CONFLICT_RETRIES = 3;

/** The contact, Stripe customer or ERP customer an event is about, from its log entity (`contact:1001:phone`). */
function subjectOf(
  system: System,
  entity: string,
  email: string | undefined,
): Pick<PropagateJob, 'contactId' | 'stripeId' | 'erpNo' | 'email'> {
  const [, id = ''] = entity.split(':');
  const subject = email ? { email } : {};
  if (system === 'hubspot') return { ...subject, contactId: id };
  if (system === 'stripe') return { ...subject, stripeId: id };
  return { ...subject, erpNo: id };
}

const shortHash = (value: unknown): string => createHash('sha256').update(JSON.stringify(value)).digest('base64url').slice(0, 16);

export function createSyncEngine(options: SyncEngineOptions): SyncEngine {
  const { db, rules, gateway, log } = options;
  const now = options.now ?? Date.now;
  const echoWindowMs = options.echoWindowMs ?? 3_600_000;
  const retry = {
    retryLimit: options.retryLimit ?? 5,
    retryDelay: options.retryDelaySeconds ?? 1,
    retryBackoff: true,
    expireInSeconds: 120,
  };
  const counters: SyncCounters = { jobs: 0, writes: 0, echoes: 0, conflicts: 0, retries: 0, failures: 0 };
  const ruleOf = new Map(rules.fields.map((rule) => [rule.field, rule]));
  let boss: PgBoss | undefined;
  const workers: string[] = [];

  const jobOf = (data: PropagateJob) => ({
    name: SYNC_QUEUE,
    data,
    // One job at a time per customer (pg-boss's singleton policy gates active jobs by key): writes to one
    // customer never race each other. Jobs of the customer still waiting run after, each reading the
    // systems afresh, so a late one never writes an older value.
    singletonKey: data.contactId ? `contact:${data.contactId}` : `${data.system}:${data.stripeId ?? data.erpNo ?? data.email}`,
    ...retry,
  });

  async function record(
    tx: Queryable,
    entry: {
      contactId: string;
      field: string;
      system: string;
      kind: 'echo' | 'conflict' | 'reported' | 'retry';
      winner: string;
      value: unknown;
      rejected?: unknown;
      reason: string;
      eventId: number | null;
    },
  ) {
    await tx.query(
      `INSERT INTO sync_resolutions (contact_id, field, system, kind, winner, value, rejected, reason, event_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        entry.contactId,
        entry.field,
        entry.system,
        entry.kind,
        entry.winner,
        JSON.stringify(entry.value ?? null),
        JSON.stringify(entry.rejected ?? null),
        entry.reason,
        entry.eventId,
      ],
    );
  }

  /** The CRM contact of the job's subject: from the job, the stored links, or the contact with the email. */
  async function contactOf(job: PropagateJob): Promise<string | undefined> {
    if (job.contactId) return job.contactId;
    const column = job.stripeId ? 'stripe_id' : job.erpNo ? 'erp_no' : undefined;
    if (column) {
      const { rows } = await db.query<{ contact_id: string }>(`SELECT contact_id FROM sync_links WHERE ${column} = $1`, [
        job.stripeId ?? job.erpNo,
      ]);
      if (rows[0]) return rows[0].contact_id;
    }
    for (const email of new Set([...(job.email ? [job.email] : []), ...(job.emails ?? [])])) {
      const { data } = await gateway.request<{ customerByEmail: { id: string } | null }>(CONTACT_BY_EMAIL_QUERY, { email });
      if (data.customerByEmail) return data.customerByEmail.id;
    }
    return undefined;
  }

  async function snapshotOf(contactId: string): Promise<CustomerSnapshot | null> {
    const { data, errors } = await gateway.request<{ customer: CustomerSnapshot | null }>(SNAPSHOT_QUERY, { id: contactId });
    // A system that could not be read leaves its part null with an error: comparing against it would be wrong.
    const failed = errors.filter((error) => error.path?.[0] === 'customer');
    if (failed.length > 0)
      throw new GatewayError(`Reading customer ${contactId} failed: ${failed.map((e) => e.message).join('; ')}`, failed);
    return data.customer;
  }

  /** Was this value written by us to this system recently (an echo of our own write coming back)? */
  async function isEcho(system: System, contactId: string, field: string, value: string | null | undefined): Promise<boolean> {
    if (value === undefined) return false;
    const { rows } = await db.query(
      `SELECT 1 FROM sync_writes WHERE target = $1 AND contact_id = $2 AND status IN ('pending', 'done')
         AND created_at > $3 AND fields -> $4 = $5::jsonb LIMIT 1`,
      [system, contactId, new Date(now() - echoWindowMs).toISOString(), field, JSON.stringify(value)],
    );
    return rows.length > 0;
  }

  /** Sends the planned writes, one gateway request for every target; ERP conflicts re-read and retry. */
  async function write(job: PropagateJob, contactId: string, snapshot: CustomerSnapshot, plan: Map<System, Map<string, string | null>>) {
    let pending = new Map(plan);
    let current = snapshot;
    const failures: string[] = [];
    for (let round = 0; pending.size > 0; round++) {
      const variables: Record<string, unknown> = {};
      const selections: string[] = [];
      const rows = new Map<System, number>();
      for (const [target, values] of pending) {
        const input = toMutationInput(rules, target, values, current);
        const idempotencyKey = `sync:${job.key}:${contactId}:${target}:${shortHash(input)}`;
        const { rows: inserted } = await db.query<{ id: string }>(
          `INSERT INTO sync_writes (contact_id, target, fields, event_id, reason, idempotency_key)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (idempotency_key) DO UPDATE SET status = 'pending', attempts = sync_writes.attempts + 1
           RETURNING id`,
          [contactId, target, JSON.stringify(Object.fromEntries(values)), job.eventId, job.key.split(':')[0], idempotencyKey],
        );
        rows.set(target, Number(inserted[0]!.id));
        if (target === 'hubspot') {
          variables.crmId = contactId;
          variables.crmInput = input;
          selections.push(`crm: updateCustomer(id: $crmId, input: $crmInput) { id }`);
        } else if (target === 'stripe') {
          variables.billingInput = { customerId: current.billing!.id, ...input, idempotencyKey };
          selections.push(`billing: updateBillingCustomer(input: $billingInput) { idempotencyKey }`);
        } else {
          variables.erpInput = { number: current.account!.number, version: current.account!.version, ...input };
          selections.push(`erp: updateErpCustomer(input: $erpInput) { account { version } }`);
        }
      }
      const declarations = [
        'crmId' in variables ? '$crmId: ID!, $crmInput: UpdateCustomerInput!' : '',
        'billingInput' in variables ? '$billingInput: UpdateBillingCustomerInput!' : '',
        'erpInput' in variables ? '$erpInput: UpdateErpCustomerInput!' : '',
      ].filter(Boolean);
      let errors: readonly GraphQLError[];
      let data: Record<string, unknown> = {};
      try {
        ({ data, errors } = await gateway.request<Record<string, unknown>>(
          `mutation SyncWrite(${declarations.join(', ')}) { ${selections.join(' ')} }`,
          variables,
        ));
      } catch (error) {
        for (const id of rows.values()) await markFailed(id, error instanceof Error ? error.message : String(error));
        throw error;
      }
      const next = new Map<System, Map<string, string | null>>();
      for (const [target, id] of rows) {
        const error = errors.find((candidate) => candidate.path?.[0] === ALIAS[target]);
        if (!error && data[ALIAS[target]]) {
          counters.writes++;
          await db.query(
            `UPDATE sync_writes SET status = 'done', done_at = now(), vendor_calls = vendor_calls + 1, last_error = NULL WHERE id = $1`,
            [id],
          );
          continue;
        }
        const message = error?.message ?? 'no answer';
        if (target === 'erp' && error?.extensions?.code === 'CONFLICT' && round < ERP_CONFLICT_RETRIES) {
          // Someone changed the ERP card since it was read: read it again and retry with its new version.
          counters.retries++;
          await record(db, {
            contactId,
            field: [...pending.get('erp')!.keys()].join(','),
            system: 'erp',
            kind: 'retry',
            winner: 'erp',
            value: null,
            reason: `the ERP card changed since it was read (optimistic concurrency); read again and retried (${round + 1})`,
            eventId: job.eventId,
          });
          await db.query(`UPDATE sync_writes SET status = 'failed', last_error = $2 WHERE id = $1`, [id, message.slice(0, 2000)]);
          const fresh = await snapshotOf(contactId);
          if (!fresh?.account) continue;
          current = fresh;
          const values = new Map<string, string | null>();
          for (const [field, value] of pending.get('erp')!)
            if (fieldValue(fresh, ruleOf.get(field)!, 'erp') !== value) values.set(field, value);
          if (values.size > 0) next.set('erp', values);
          continue;
        }
        await markFailed(id, message);
        failures.push(`${target}: ${message}`);
      }
      pending = next;
    }
    if (failures.length > 0) throw new Error(`Propagating to ${failures.join('; ')}`);
  }

  async function markFailed(id: number, message: string) {
    counters.failures++;
    await db.query(`UPDATE sync_writes SET status = 'failed', last_error = $2 WHERE id = $1`, [id, message.slice(0, 2000)]);
  }

  async function propagate(job: PropagateJob): Promise<void> {
    counters.jobs++;
    const contactId = await contactOf(job);
    if (!contactId) {
      log.debug({ job }, 'sync: the change belongs to no CRM contact; nothing to propagate');
      return;
    }
    const snapshot = await snapshotOf(contactId);
    if (!snapshot) return;
    await db.query(
      `INSERT INTO sync_links (contact_id, email, stripe_id, erp_no) VALUES ($1, $2, $3, $4)
       ON CONFLICT (contact_id) DO UPDATE SET email = EXCLUDED.email, stripe_id = COALESCE(EXCLUDED.stripe_id, sync_links.stripe_id),
         erp_no = COALESCE(EXCLUDED.erp_no, sync_links.erp_no), updated_at = now()`,
      [
        contactId,
        snapshot.email,
        snapshot.billing?.id ?? job.stripeId ?? null,
        snapshot.account?.number ?? snapshot.erpCustomerNumber ?? job.erpNo ?? null,
      ],
    );
    const occurredAt = new Date(job.occurredAt);
    const plan = new Map<System, Map<string, string | null>>();
    const planWrite = (target: System, rule: FieldRule, value: string | null) => {
      const current = fieldValue(snapshot, rule, target);
      if (current === undefined || current === value) return;
      if (!plan.has(target)) plan.set(target, new Map());
      plan.get(target)!.set(rule.field, value);
    };
    const agreed: string[] = [];
    for (const field of job.fields) {
      const rule = ruleOf.get(field);
      if (!rule) continue;
      const ownerValue = fieldValue(snapshot, rule, rule.owner);
      if (ownerValue === undefined) continue;
      if (job.system === rule.owner) {
        await db.query(
          `INSERT INTO sync_fields (contact_id, field, value, owner, occurred_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (contact_id, field) DO UPDATE SET value = EXCLUDED.value, owner = EXCLUDED.owner, occurred_at = EXCLUDED.occurred_at
           WHERE sync_fields.occurred_at <= EXCLUDED.occurred_at`,
          [contactId, field, JSON.stringify(ownerValue), rule.owner, occurredAt.toISOString()],
        );
        for (const target of rule.receivers) planWrite(target, rule, ownerValue);
        agreed.push(field);
        continue;
      }
      // A change in a system that does not own the field: our own write coming back, or a conflict.
      const reported = job.values[field];
      if (await isEcho(job.system, contactId, field, reported)) {
        counters.echoes++;
        await record(db, {
          contactId,
          field,
          system: job.system,
          kind: 'echo',
          winner: 'interchange',
          value: reported,
          reason: `Interchange wrote this value to ${job.system}; its event came back and is not propagated`,
          eventId: job.eventId,
        });
        continue;
      }
      // The gateway joins Stripe by the contact's email: after a change of email in Stripe the join finds no
      // record, and the event's own value is what Stripe holds.
      const current = fieldValue(snapshot, rule, job.system) ?? reported;
      if (current === undefined || current === ownerValue) continue;
      counters.conflicts++;
      const { rows } = await db.query<{ occurred_at: Date | string }>(
        'SELECT occurred_at FROM sync_fields WHERE contact_id = $1 AND field = $2',
        [contactId, field],
      );
      const ownerAt = rows[0] ? new Date(rows[0].occurred_at).getTime() : undefined;
      const close = ownerAt !== undefined && Math.abs(occurredAt.getTime() - ownerAt) <= rules.clockSkewMs;
      if (rule.onConflict === 'revert' || close) {
        await record(db, {
          contactId,
          field,
          system: job.system,
          kind: 'conflict',
          winner: rule.owner,
          value: ownerValue,
          rejected: current,
          reason: close
            ? `${job.system} and the owner ${rule.owner} changed ${field} within ${rules.clockSkewMs / 1000} s of each other; the owner's value wins`
            : `${job.system} does not own ${field} (${rule.owner} does); reverted to the owner's value`,
          eventId: job.eventId,
        });
        planWrite(job.system, rule, ownerValue);
      } else {
        await record(db, {
          contactId,
          field,
          system: job.system,
          kind: 'reported',
          winner: job.system,
          value: current,
          rejected: ownerValue,
          reason: `${job.system} does not own ${field} (${rule.owner} does); the rule says report, so the difference stays`,
          eventId: job.eventId,
        });
        await db.query(
          `INSERT INTO sync_drift (contact_id, field, system, expected, actual) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (contact_id, field, system) DO UPDATE SET expected = EXCLUDED.expected, actual = EXCLUDED.actual, found_at = now()`,
          [contactId, field, job.system, ownerValue, current],
        );
      }
    }
    await write(job, contactId, snapshot, plan);
    await db.query(
      `INSERT INTO sync_customers (contact_id, last_synced_at) VALUES ($1, now())
       ON CONFLICT (contact_id) DO UPDATE SET last_synced_at = now()`,
      [contactId],
    );
    // The owner's values now hold in every receiver: what the last audit found for these fields is resolved.
    if (agreed.length > 0 || plan.size > 0) {
      const resolved = [...new Set([...agreed, ...[...plan.values()].flatMap((values) => [...values.keys()])])];
      await db.query('DELETE FROM sync_drift WHERE contact_id = $1 AND field = ANY($2::text[])', [contactId, resolved]);
    }
  }

  /**
   * The scheduled audit's outcome as an event-log row, so `npm run events -- list --vendor interchange` shows
   * every run. It is logged already applied with no state and no tags: the apply workers skip it, and a replay
   * re-applies nothing (the sync hook only acts on a vendor's CustomerChanged).
   */
  async function recordAudit(result: AuditResult | null, failure?: string, startedAt = new Date().toISOString()) {
    const summary = result
      ? { customers: result.customers, linked: result.linked, differences: result.differences.length, summary: result.summary }
      : { error: failure };
    const at = result?.startedAt ?? startedAt;
    await db.query(
      `INSERT INTO event_log (vendor, vendor_event_id, type, entity, occurred_at, source, payload, change, state, status, applications, last_error, applied_at)
       VALUES ('interchange', $1, 'sync.audit', 'sync:audit', $2, 'catch-up', $3, $4, NULL, $5, $6, $7, now())
       ON CONFLICT (vendor, vendor_event_id) DO NOTHING`,
      [
        `sync.audit:${at}`,
        at,
        JSON.stringify({ ...summary, startedAt: at, finishedAt: result?.finishedAt ?? new Date().toISOString() }),
        JSON.stringify({ kind: 'SyncAudit', occurredAt: at, tags: [], ...summary }),
        result ? 'applied' : 'failed',
        result ? 1 : 0,
        failure ?? null,
      ],
    );
  }

  async function audit(): Promise<AuditResult> {
    const startedAt = new Date().toISOString();
    try {
      const result = await runAudit({ db, gateway, rules });
      await recordAudit(result);
      log.info(
        { customers: result.customers, linked: result.linked, differences: result.differences.length },
        'sync: scheduled audit finished',
      );
      return result;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await recordAudit(null, message.slice(0, 2000), startedAt);
      throw error;
    }
  }

  const engine: SyncEngine = {
    counters,
    audit,
    hooks: {
      async onChange({ eventId, vendor, entity, change, tx }) {
        if (!boss || change.kind !== 'CustomerChanged' || !(SYSTEMS as readonly string[]).includes(vendor)) return;
        const system = vendor as System;
        const changed = changedFields(rules, system, change.fields);
        if (changed.size === 0) return;
        const values: Record<string, string | null> = {};
        for (const [field, value] of changed) if (value !== undefined) values[field] = value;
        const job: PropagateJob = {
          key: `event:${eventId}`,
          eventId,
          system,
          ...subjectOf(system, entity, change.email),
          emails: change.tags.filter((tag) => tag.startsWith('Customer:') && tag.includes('@')).map((tag) => tag.slice('Customer:'.length)),
          fields: [...changed.keys()],
          values,
          occurredAt: change.occurredAt,
        };
        await boss.insert([jobOf(job)], { db: asBossDb(tx) });
      },
    },
    async attach(instance) {
      boss = instance;
      await boss.createQueue(SYNC_QUEUE, { name: SYNC_QUEUE, policy: 'singleton', ...retry });
      // An audit reads every customer: a failed one waits for the next tick rather than being retried at once.
      await boss.createQueue(SYNC_AUDIT_QUEUE, { name: SYNC_AUDIT_QUEUE, policy: 'singleton', retryLimit: 0, expireInSeconds: 3600 });
    },
    async startWorkers(workerOptions = {}) {
      if (!boss) throw new Error('sync: attach the job engine before starting workers');
      for (let index = 0; index < (workerOptions.concurrency ?? 2); index++) {
        workers.push(
          await boss.work<PropagateJob>(
            SYNC_QUEUE,
            { batchSize: workerOptions.batchSize ?? 5, pollingIntervalSeconds: 0.5 },
            async (jobs) => {
              for (const job of jobs) {
                try {
                  await propagate(job.data);
                } catch (error) {
                  log.warn({ err: error, job: job.data.key }, 'sync: propagation failed; it will be retried');
                  await boss!.fail(SYNC_QUEUE, job.id, { message: error instanceof Error ? error.message : String(error) });
                }
              }
            },
          ),
        );
      }
      workers.push(
        await boss.work(SYNC_AUDIT_QUEUE, { pollingIntervalSeconds: 2 }, async () => {
          try {
            await audit();
          } catch (error) {
            log.warn({ err: error }, 'sync: scheduled audit failed; recorded in the event log');
          }
        }),
      );
      if (workerOptions.auditCron) await boss.schedule(SYNC_AUDIT_QUEUE, workerOptions.auditCron);
      else if (workerOptions.auditCron === null) await boss.unschedule(SYNC_AUDIT_QUEUE);
    },
    async enqueue(jobs) {
      if (!boss) throw new Error('sync: attach the job engine before enqueueing');
      if (jobs.length > 0) await boss.insert(jobs.map(jobOf));
    },
    propagate,
    async stop() {
      for (const id of workers.splice(0)) await boss?.offWork({ id }).catch(() => {});
    },
  };
  return engine;
}
