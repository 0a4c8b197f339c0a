import { createHash } from 'node:crypto';
import type PgBoss from 'pg-boss';
import { asBossDb, type ApplyHooks } from '../events/index.js';
import type { Database, Logger, Queryable } from '../platform/index.js';
import { runAudit, type AuditResult } from './audit.js';
import { GatewayError, type GatewayClient, type GraphQLError } from './gateway.js';
import type { FieldRule, SyncRules, System } from './rules.js';
import { SYSTEMS } from './rules.js';
import { CONTACT_BY_EMAIL_QUERY, SNAPSHOTS_QUERY, changedFields, fieldValue, toMutationInput, type CustomerSnapshot } from './values.js';

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
  startWorkers(options?: {
    /** Scales the one propagation worker's batch (10 jobs per unit, at most 18). */
    concurrency?: number;
    batchSize?: number;
    auditCron?: string | null;
  }): Promise<void>;
  /** Runs the audit now and records its result in the event log (vendor `interchange`, type `sync.audit`). */
  audit(): Promise<AuditResult>;
  /** Enqueues jobs outside an event (the audit's fix). */
  enqueue(jobs: readonly PropagateJob[]): Promise<void>;
  /** Runs one job now (a batch of one: the worker's path). */
  propagate(job: PropagateJob): Promise<void>;
  /** Runs jobs now as one batch, as a worker does; answers each job's failure (null: propagated). */
  propagateAll(jobs: readonly PropagateJob[]): Promise<Array<Error | null>>;
  readonly counters: SyncCounters;
  stop(): Promise<void>;
};

const ERP_CONFLICT_RETRIES = 3;
/** Stripe writes per gateway request (see `write`). */
const STRIPE_PER_REQUEST = 6;
/** Jobs a worker takes and propagates together, per unit of concurrency. */
const DEFAULT_BATCH = 10;
/** At most this many jobs together: a batch's latency is every job's, and the gateway reads them in one list. */
const MAX_BATCH = 18;

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

  /**
   * The customers' snapshots in one gateway request, by contact id: the snapshot, null (no such contact), or
   * the error that kept one of its systems from being read (comparing against a missing part would be wrong).
   */
  async function snapshotsOf(contactIds: readonly string[]): Promise<Map<string, CustomerSnapshot | null | GatewayError>> {
    const { data, errors } = await gateway.request<{ customersById: Array<CustomerSnapshot | null> }>(
      SNAPSHOTS_QUERY,
      { ids: contactIds },
      { fresh: true },
    );
    return new Map(
      contactIds.map((id, index): [string, CustomerSnapshot | null | GatewayError] => {
        // An error names its customer by the list index; one without an index (a whole join failed) is everyone's.
        const failed = errors.filter((error) => error.path?.[0] === 'customersById' && (error.path[1] ?? index) === index);
        if (failed.length > 0)
          return [id, new GatewayError(`Reading customer ${id} failed: ${failed.map((e) => e.message).join('; ')}`, failed)];
        return [id, data.customersById[index] ?? null];
      }),
    );
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

  /** One job of a batch on its way: its customer as last read, what it writes, and what went wrong. */
  type Work = {
    job: PropagateJob;
    contactId: string;
    snapshot: CustomerSnapshot;
    plan: Map<System, Map<string, string | null>>;
    agreed: string[];
    failures: string[];
  };
  /** One customer's write to one system, recorded in sync_writes before it is sent. */
  type Entry = { work: Work; target: System; values: Map<string, string | null>; id: number; input: Record<string, unknown> };

  /**
   * Sends the planned writes of a batch's jobs in one gateway request per round: HubSpot's in one batch update
   * (`updateCustomers`), the ERP's in one UpdateMultiple (`updateErpCustomers`), Stripe's one mutation per
   * customer (Stripe has no batch update; aliased in the same request). Every write is recorded before it is
   * sent (echo suppression reads those rows). An ERP conflict faults the whole UpdateMultiple without naming
   * the card: every ERP card of the batch is read again and the writes still needed go again, with the new
   * versions. A failure is the job's: the job is retried, reads afresh and writes only what is still missing.
   */
  async function write(batch: readonly Work[]) {
    let pending = batch.flatMap((work) => [...work.plan].map(([target, values]) => ({ work, target, values })));
    for (let round = 0; pending.length > 0; round++) {
      const entries: Entry[] = [];
      for (const { work, target, values } of pending) {
        const input = toMutationInput(rules, target, values, work.snapshot);
        const idempotencyKey = `sync:${work.job.key}:${work.contactId}:${target}:${shortHash(input)}`;
        const { rows: inserted } = await db.query<{ id: string }>(
          `INSERT INTO sync_writes (contact_id, target, fields, event_id, reason, idempotency_key)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (idempotency_key) DO UPDATE SET status = 'pending', attempts = sync_writes.attempts + 1
           RETURNING id`,
          [
            work.contactId,
            target,
            JSON.stringify(Object.fromEntries(values)),
            work.job.eventId,
            work.job.key.split(':')[0],
            idempotencyKey,
          ],
        );
        const id = Number(inserted[0]!.id);
        if (target === 'hubspot') entries.push({ work, target, values, id, input: { id: work.contactId, input } });
        else if (target === 'erp')
          entries.push({
            work,
            target,
            values,
            id,
            input: { number: work.snapshot.account!.number, version: work.snapshot.account!.version, ...input },
          });
        else entries.push({ work, target, values, id, input: { customerId: work.snapshot.billing!.id, ...input, idempotencyKey } });
      }
      const sent = new Set<Entry>();
      const crm = entries.filter((entry) => entry.target === 'hubspot');
      const erp = entries.filter((entry) => entry.target === 'erp');
      const stripe = entries.filter((entry) => entry.target === 'stripe');
      // A request's mutations run one after another, so Stripe's one-per-customer writes are spread over a few
      // requests sent side by side; HubSpot's and the ERP's batch calls ride in the first.
      const requests: Array<{ entries: Entry[]; declarations: string[]; selections: string[]; variables: Record<string, unknown> }> = [];
      for (let start = 0; start === 0 || start < stripe.length; start += STRIPE_PER_REQUEST) {
        const request = {
          entries: [] as Entry[],
          declarations: [] as string[],
          selections: [] as string[],
          variables: {} as Record<string, unknown>,
        };
        if (start === 0 && crm.length > 0) {
          request.declarations.push('$crm: [CustomerUpdate!]!');
          request.selections.push('crm: updateCustomers(updates: $crm) { missingIds }');
          request.variables.crm = crm.map((entry) => entry.input);
          request.entries.push(...crm);
        }
        if (start === 0 && erp.length > 0) {
          request.declarations.push('$erp: [UpdateErpCustomerInput!]!');
          request.selections.push('erp: updateErpCustomers(inputs: $erp) { accounts { number } }');
          request.variables.erp = erp.map((entry) => entry.input);
          request.entries.push(...erp);
        }
        for (const [offset, entry] of stripe.slice(start, start + STRIPE_PER_REQUEST).entries()) {
          const alias = `billing${start + offset}`;
          request.declarations.push(`$${alias}: UpdateBillingCustomerInput!`);
          request.selections.push(`${alias}: updateBillingCustomer(input: $${alias}) { idempotencyKey }`);
          request.variables[alias] = entry.input;
          request.entries.push(entry);
        }
        if (request.entries.length > 0) requests.push(request);
      }
      const answers = await Promise.allSettled(
        requests.map((request) =>
          gateway.request<Record<string, unknown>>(
            `mutation SyncWrite(${request.declarations.join(', ')}) { ${request.selections.join(' ')} }`,
            request.variables,
          ),
        ),
      );
      const data: Record<string, unknown> = {};
      const errors: GraphQLError[] = [];
      for (const [index, answer] of answers.entries()) {
        if (answer.status === 'fulfilled') {
          Object.assign(data, answer.value.data);
          errors.push(...answer.value.errors);
          for (const entry of requests[index]!.entries) sent.add(entry);
        } else {
          const reason = answer.reason instanceof Error ? answer.reason.message : String(answer.reason);
          for (const entry of requests[index]!.entries) await failed(entry, reason);
        }
      }
      const errorAt = (alias: string) => errors.find((candidate) => candidate.path?.[0] === alias);
      const done: Entry[] = [];
      const next: typeof pending = [];

      const crmError = errorAt('crm');
      const missing = new Set((data.crm as { missingIds?: string[] } | null | undefined)?.missingIds ?? []);
      for (const entry of crm.filter((candidate) => sent.has(candidate))) {
        if (crmError || !data.crm) await failed(entry, crmError?.message ?? 'no answer');
        else if (missing.has(entry.work.contactId)) await failed(entry, `HubSpot has no contact ${entry.work.contactId}`);
        else done.push(entry);
      }

      for (const [index, entry] of stripe.entries()) {
        if (!sent.has(entry)) continue;
        const error = errorAt(`billing${index}`);
        if (!error && data[`billing${index}`]) done.push(entry);
        else await failed(entry, error?.message ?? 'no answer');
      }

      const erpError = errorAt('erp');
      if (erp.length === 0 || !sent.has(erp[0]!)) {
        // Nothing sent to the ERP, or its request failed (recorded above).
      } else if (!erpError && data.erp) done.push(...erp);
      else if (erpError?.extensions?.code === 'CONFLICT' && round < ERP_CONFLICT_RETRIES) {
        // A card changed since it was read (optimistic concurrency), and NAV does not say which: read every card
        // of the call again, and write again what still differs, with the versions just read.
        const fresh = await snapshotsOf(erp.map((entry) => entry.work.contactId)).catch((error: unknown) => error);
        for (const entry of erp) {
          const snapshot = fresh instanceof Map ? fresh.get(entry.work.contactId) : fresh;
          if (!snapshot || snapshot instanceof Error || !snapshot.account) {
            await failed(entry, `${erpError.message}; reading the card again failed`);
            continue;
          }
          await db.query(`UPDATE sync_writes SET status = 'failed', last_error = $2 WHERE id = $1`, [
            entry.id,
            erpError.message.slice(0, 2000),
          ]);
          const changed = snapshot.account.version !== entry.work.snapshot.account?.version;
          entry.work.snapshot = snapshot;
          if (changed) {
            counters.retries++;
            await record(db, {
              contactId: entry.work.contactId,
              field: [...entry.values.keys()].join(','),
              system: 'erp',
              kind: 'retry',
              winner: 'erp',
              value: null,
              reason: `the ERP card changed since it was read (optimistic concurrency); read again and retried (${round + 1})`,
              eventId: entry.work.job.eventId,
            });
          }
          const values = new Map<string, string | null>();
          for (const [field, value] of entry.values)
            if (fieldValue(snapshot, ruleOf.get(field)!, 'erp') !== value) values.set(field, value);
          if (values.size > 0) next.push({ work: entry.work, target: 'erp', values });
        }
      } else for (const entry of erp) await failed(entry, erpError?.message ?? 'no answer');

      if (done.length > 0) {
        counters.writes += done.length;
        await db.query(
          `UPDATE sync_writes SET status = 'done', done_at = now(), vendor_calls = vendor_calls + 1, last_error = NULL WHERE id = ANY($1::bigint[])`,
          [done.map((entry) => entry.id)],
        );
      }
      pending = next;
    }
  }

  async function failed(entry: Entry, message: string) {
    counters.failures++;
    entry.work.failures.push(`${entry.target}: ${message}`);
    await db.query(`UPDATE sync_writes SET status = 'failed', last_error = $2 WHERE id = $1`, [entry.id, message.slice(0, 2000)]);
  }

  /**
   * What one job writes, decided on its customer's snapshot: the owner's values into the receivers that differ,
   * echoes of our own writes recognized, conflicts reverted or reported per rule. Records every resolution.
   */
  async function decide(job: PropagateJob, contactId: string, snapshot: CustomerSnapshot): Promise<Work> {
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
        await recordEcho(job, contactId, field, reported);
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
    return { job, contactId, snapshot, plan, agreed, failures: [] };
  }

  /** After a job's writes all landed: the customer is in sync, and what the last audit found for these fields is resolved. */
  async function settled(work: Work) {
    await db.query(
      `INSERT INTO sync_customers (contact_id, last_synced_at) VALUES ($1, now())
       ON CONFLICT (contact_id) DO UPDATE SET last_synced_at = now()`,
      [work.contactId],
    );
    const written = [...work.plan.values()].flatMap((values) => [...values.keys()]);
    if (work.agreed.length > 0 || written.length > 0)
      await db.query('DELETE FROM sync_drift WHERE contact_id = $1 AND field = ANY($2::text[])', [
        work.contactId,
        [...new Set([...work.agreed, ...written])],
      ]);
  }

  /**
   * A change in a system that owns none of its fields, every value of it one Interchange wrote there: only our
   * own writes coming back. Recorded as echoes, as `decide` would, without reading the customer first (the
   * systems' state plays no part in it). False leaves the job to `decide`, which checks each field again.
   */
  async function onlyEchoes(job: PropagateJob, contactId: string): Promise<boolean> {
    const fields = job.fields.filter((field) => ruleOf.has(field));
    if (fields.length === 0 || fields.some((field) => ruleOf.get(field)!.owner === job.system)) return false;
    for (const field of fields) if (!(await isEcho(job.system, contactId, field, job.values[field]))) return false;
    for (const field of fields) await recordEcho(job, contactId, field, job.values[field]);
    return true;
  }

  /** One of our own writes came back from the system it was written to: counted and recorded, not propagated. */
  async function recordEcho(job: PropagateJob, contactId: string, field: string, value: string | null | undefined): Promise<void> {
    counters.echoes++;
    await record(db, {
      contactId,
      field,
      system: job.system,
      kind: 'echo',
      winner: 'interchange',
      value,
      reason: `Interchange wrote this value to ${job.system}; its event came back and is not propagated`,
      eventId: job.eventId,
    });
  }

  /**
   * Propagates a batch of jobs together: one gateway request reads every customer of the batch, each job is
   * decided as on its own, and the writes go out grouped per receiving system (see `write`). Two jobs of one
   * customer in a batch run one after the other (the later in a second round, read afresh), so writes to one
   * customer stay in order. Answers each job's failure (null: done); a failed job is retried by pg-boss.
   */
  async function propagateAll(jobs: readonly PropagateJob[]): Promise<Array<Error | null>> {
    counters.jobs += jobs.length;
    const outcomes: Array<Error | null> = jobs.map(() => null);
    const rounds: Array<Array<{ index: number; contactId: string }>> = [];
    const seen = new Map<string, number>();
    for (const [index, job] of jobs.entries()) {
      const contactId = await contactOf(job).catch((error: unknown) => error as Error);
      if (contactId instanceof Error) {
        outcomes[index] = contactId;
        continue;
      }
      if (!contactId) {
        log.debug({ job }, 'sync: the change belongs to no CRM contact; nothing to propagate');
        continue;
      }
      if (await onlyEchoes(jobs[index]!, contactId)) continue;
      const round = seen.get(contactId) ?? 0;
      seen.set(contactId, round + 1);
      (rounds[round] ??= []).push({ index, contactId });
    }
    for (const members of rounds) {
      const snapshots = await snapshotsOf(members.map((member) => member.contactId)).catch((error: unknown) => error as Error);
      const batch: Array<{ index: number; work: Work }> = [];
      for (const { index, contactId } of members) {
        const snapshot = snapshots instanceof Map ? snapshots.get(contactId) : snapshots;
        if (snapshot instanceof Error) outcomes[index] = snapshot;
        else if (snapshot) batch.push({ index, work: await decide(jobs[index]!, contactId, snapshot) });
      }
      await write(batch.map((member) => member.work));
      for (const { index, work } of batch) {
        if (work.failures.length > 0) outcomes[index] = new Error(`Propagating to ${work.failures.join('; ')}`);
        else await settled(work);
      }
    }
    return outcomes;
  }

  async function propagate(job: PropagateJob): Promise<void> {
    const [failure] = await propagateAll([job]);
    if (failure) throw failure;
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
        // A Stripe or ERP change of a customer sync has linked names its contact, so its job shares the contact's
        // singleton key: one customer's jobs never run side by side, whichever system they came from.
        if (!job.contactId && (job.stripeId || job.erpNo)) {
          const column = job.stripeId ? 'stripe_id' : 'erp_no';
          const { rows } = await tx.query<{ contact_id: string }>(`SELECT contact_id FROM sync_links WHERE ${column} = $1`, [
            job.stripeId ?? job.erpNo,
          ]);
          if (rows[0]) job.contactId = rows[0].contact_id;
        }
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
      // One worker per process, its batch growing with the concurrency asked for: two workers of one process
      // would mostly block each other. pg-boss's singleton fetch answers nothing at all when its next jobs include
      // a customer whose job is active elsewhere (the unique index refuses the whole fetch), and a customer's jobs
      // come in runs (a change, then its echoes), so the second worker would mostly fetch nothing.
      const batchSize = Math.min(workerOptions.batchSize ?? DEFAULT_BATCH * (workerOptions.concurrency ?? 1), MAX_BATCH);
      workers.push(
        await boss.work<PropagateJob>(SYNC_QUEUE, { batchSize, pollingIntervalSeconds: 0.5 }, async (jobs) => {
          const outcomes = await propagateAll(jobs.map((job) => job.data));
          for (const [index, failure] of outcomes.entries()) {
            if (!failure) continue;
            log.warn({ err: failure, job: jobs[index]!.data.key }, 'sync: propagation failed; it will be retried');
            await boss!.fail(SYNC_QUEUE, jobs[index]!.id, { message: failure.message });
          }
        }),
      );
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
    propagateAll,
    async stop() {
      for (const id of workers.splice(0)) await boss?.offWork({ id }).catch(() => {});
    },
  };
  return engine;
}
