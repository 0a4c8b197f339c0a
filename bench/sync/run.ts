/**
 * `npm run bench:sync [-- --customers 1000 --rate 20 --erp-poll-ms 1000]` → bench/reports/sync.md
 *
 * Customer sync measured against the emulators' own stores. The embedded stack runs with the event pipeline
 * and sync on (PGlite in memory). The seed links 492 of its 1,000 contacts in all three systems; the set-up
 * links the rest through the vendors' own APIs (an ERP customer per contact without one by SOAP CreateMultiple,
 * its number on the contact by HubSpot batch update, a Stripe customer per contact without one), then writes
 * the owners' values wherever the seed's systems disagree (the audit's fix) and checks that the audit finds
 * nothing left. N customers linked in all three systems are each changed once at the owner
 * of the field (sync/rules.json): HubSpot-owned phone, name or city through the HubSpot emulator's API,
 * ERP-owned address or credit limit through SOAP at the ERP emulator. 10% of them are also changed, right
 * after, by a system that does not own the field (Stripe, within the rules' clock skew): a conflict the owner
 * must win. Changes start at `--rate` per second. Two runs on one stack: clean, then with 20% of every
 * Stripe and ERP request answered 503.
 *
 * Measured: propagation latency (the owner's write returned → the value in every receiving system's store,
 * polled every 50 ms), records written per change (Stripe and HubSpot from the emulators' request logs, the ERP
 * from its records' versions, the benchmark's own writes taken out), vendor calls per change from the
 * emulators' request logs (a batch call counts one; the benchmark's own calls taken out), echo writes (writes
 * beyond what the changes need: a value of Interchange's own coming back and being written again), and the
 * audit afterwards (sync/audit.ts's runAudit in this process, through the gateway).
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { WSSecurity, createClientAsync } from 'soap';
import { DEFAULT_ERP_USER, ERP_WSDL_FILES } from '../../emulators/erp-soap/index.js';
import { decodeKey } from '../../emulators/erp-soap/keys.js';
import { SYNC_QUEUE, createGatewayClient, fixJobs, loadRules, runAudit, type AuditResult } from '../../sync/index.js';
import { startTestStack, type TestStack } from '../../test/kit/stack.js';

const { values: flags } = parseArgs({
  options: {
    customers: { type: 'string', default: '1000' },
    rate: { type: 'string', default: '20' },
    'erp-poll-ms': { type: 'string', default: '1000' },
    'timeout-s': { type: 'string', default: '300' },
  },
});
const CUSTOMERS = Number(flags.customers);
const RATE = Number(flags.rate);
const ERP_POLL_MS = Number(flags['erp-poll-ms']);
const TIMEOUT_MS = Number(flags['timeout-s']) * 1000;
const CONFLICT_SHARE = 0.1;
const FAULT_RATE = 0.2;
const POLL_MS = 50;
let settleSeconds = 0;
let warmUp = { differences: 0, left: 0, createdErp: 0, createdStripe: 0 };

type Kind = 'phone' | 'name' | 'city' | 'address' | 'creditLimit';
const KINDS: Kind[] = ['phone', 'name', 'city', 'address', 'creditLimit'];
const OWNER: Record<Kind, 'hubspot' | 'erp'> = { phone: 'hubspot', name: 'hubspot', city: 'hubspot', address: 'erp', creditLimit: 'erp' };

type Linked = { contactId: string; email: string; stripeId: string; erpNo: string };
type Change = Linked & { kind: Kind; value: string; conflict: boolean; startedAt?: number; seenAt?: number };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const ok = (status: number) => status >= 200 && status < 300;

/** A vendor call of the benchmark's own (the change at the owner, the conflicting change): retried through 503s. */
async function persist<T>(what: string, call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= 30) throw new Error(`${what}: ${error instanceof Error ? error.message : String(error)}`);
      await sleep(20 * attempt);
    }
  }
}

function linkedCustomers(stack: TestStack): Linked[] {
  const erpNumbers = new Set(stack.emulators['erp-soap']!.snapshot('Customer').map((record) => String(record.No)));
  const stripeByEmail = new Map(stack.emulators.stripe!.store.customers.all().map((customer) => [customer.email, customer.id]));
  return [...stack.emulators.hubspot!.store.all('contacts')]
    .map((contact) => ({
      contactId: contact.id,
      email: String(contact.properties.email),
      erpNo: String(contact.properties.erp_customer_no ?? ''),
      stripeId: stripeByEmail.get(String(contact.properties.email)) ?? '',
    }))
    .filter((entry) => entry.erpNo && entry.stripeId && erpNumbers.has(entry.erpNo));
}

/** Every ERP customer's record version (the Key carries it): the sum of increases is the number of updates. */
function erpVersions(stack: TestStack): Map<string, number> {
  return new Map(
    stack.emulators['erp-soap']!.snapshot('Customer').map((record) => [
      String(record.No),
      decodeKey('Customer', String(record.Key)).version,
    ]),
  );
}

/** Is the owner's value in every receiving system's store (Stripe, and the ERP for HubSpot-owned fields)? */
function visible(stack: TestStack, erp: Map<string, Record<string, unknown>>, change: Change): boolean {
  const customer = stack.emulators.stripe!.store.customers.get(change.stripeId) as
    | {
        name?: string | null;
        phone?: string | null;
        address?: { city?: string | null; line1?: string | null } | null;
        metadata?: Record<string, string>;
      }
    | undefined;
  const record = erp.get(change.erpNo);
  if (!customer || !record) return false;
  switch (change.kind) {
    case 'phone':
      return customer.phone === change.value && record.Phone_No === change.value;
    case 'name':
      return customer.name === change.value && record.Name === change.value;
    case 'city':
      return customer.address?.city === change.value && record.City === change.value;
    case 'address':
      return customer.address?.line1 === change.value;
    case 'creditLimit':
      return Number(customer.metadata?.credit_limit) === Number(change.value);
  }
}

type SoapCalls = {
  ReadAsync(args: object): Promise<[{ Customer: Record<string, string> }]>;
  UpdateAsync(args: object): Promise<unknown>;
  CreateMultipleAsync(args: object): Promise<unknown>;
};

const hubspotHeaders = { authorization: 'Bearer pat-emulator', 'content-type': 'application/json' };
const stripeHeaders = { authorization: 'Bearer sk_test_emulator', 'content-type': 'application/x-www-form-urlencoded' };

/**
 * Links every contact in all three systems through the vendors' APIs, as an integration would: an ERP customer
 * (CreateMultiple, 100 a call) for each contact without one, its number on the contact (HubSpot batch update),
 * and a Stripe customer for each contact without one. The new records carry the owners' values; the ERP's
 * own fields (address, credit limit) are made up, and what Stripe lacks of them the audit's fix writes.
 */
async function linkEveryone(stack: TestStack, soap: SoapCalls): Promise<{ erp: number; stripe: number }> {
  const hubspot = stack.emulators.hubspot!;
  const stripe = stack.emulators.stripe!;
  const erpNumbers = new Set(stack.emulators['erp-soap']!.snapshot('Customer').map((record) => String(record.No)));
  const stripeEmails = new Set(stripe.store.customers.all().map((customer) => customer.email));
  const contacts = [...hubspot.store.all('contacts')];
  const text = (value: unknown) => (value === null || value === undefined ? '' : String(value));
  const name = (contact: (typeof contacts)[number]) =>
    [contact.properties.firstname, contact.properties.lastname].filter((part) => part).join(' ');

  const withoutErp = contacts.filter((contact) => !erpNumbers.has(text(contact.properties.erp_customer_no)));
  for (let start = 0; start < withoutErp.length; start += 100) {
    const chunk = withoutErp.slice(start, start + 100);
    await soap.CreateMultipleAsync({
      Customer_List: {
        Customer: chunk.map((contact) => ({
          No: `CX${contact.id}`,
          Name: name(contact),
          E_Mail: text(contact.properties.email),
          Phone_No: text(contact.properties.phone),
          Address: `${Number(contact.id) % 250} Link Street`,
          City: text(contact.properties.city),
          Country_Region_Code: text(contact.properties.country),
          Credit_Limit_LCY: '1000',
        })),
      },
    });
    const answer = await fetch(`${hubspot.url}/crm/v3/objects/contacts/batch/update`, {
      method: 'POST',
      headers: hubspotHeaders,
      body: JSON.stringify({ inputs: chunk.map((contact) => ({ id: contact.id, properties: { erp_customer_no: `CX${contact.id}` } })) }),
    });
    if (!ok(answer.status)) throw new Error(`HubSpot batch update: HTTP ${answer.status}`);
  }

  const withoutStripe = contacts.filter((contact) => !stripeEmails.has(text(contact.properties.email)));
  for (const contact of withoutStripe) {
    const body = new URLSearchParams({
      email: text(contact.properties.email),
      name: name(contact),
      phone: text(contact.properties.phone),
      'address[city]': text(contact.properties.city),
      'address[country]': text(contact.properties.country),
    });
    const answer = await fetch(`${stripe.url}/v1/customers`, { method: 'POST', headers: stripeHeaders, body });
    if (!ok(answer.status)) throw new Error(`Stripe create customer: HTTP ${answer.status}`);
  }
  return { erp: withoutErp.length, stripe: withoutStripe.length };
}

/** Calls Interchange made to the vendors during a run, from the emulators' request logs (a batch call is one). */
type Calls = { writes: number; all: number };

type RunResult = {
  label: string;
  changes: number;
  conflicts: number;
  byOwner: Record<'hubspot' | 'erp', { n: number; p50: number; p99: number; max: number }>;
  all: { p50: number; p99: number; max: number };
  unseen: number;
  needed: number;
  writes: { stripe: number; hubspot: number; erp: number };
  calls: { stripe: Calls; hubspot: Calls; erp: Calls };
  failedAttempts: { stripe: number; erp: number };
  echoWrites: number;
  ownerWrites: number;
  resolutions: Record<string, number>;
  syncFailures: number;
  seconds: number;
  audit: AuditResult;
  auditMine: number;
};

async function run(stack: TestStack, soap: SoapCalls, linked: Linked[], label: string, round: number, faulty: boolean): Promise<RunResult> {
  const stripe = stack.emulators.stripe!;
  const hubspot = stack.emulators.hubspot!;
  const erp = stack.emulators['erp-soap']!;
  const db = stack.events!.db;
  const changes: Change[] = linked.map((customer, index) => {
    const kind = KINDS[index % KINDS.length]!;
    const tag = `${index}r${round}`;
    const value =
      kind === 'phone'
        ? `+1555${String(round)}${String(index).padStart(6, '0')}`
        : kind === 'name'
          ? `Bench N${tag}`
          : kind === 'city'
            ? `City ${tag}`
            : kind === 'address'
              ? `${index + 1} Bench Street ${round}`
              : String(10_000 + index * 10 + round);
    return { ...customer, kind, value, conflict: index % Math.round(1 / CONFLICT_SHARE) === 3 };
  });
  for (const emulator of [stripe, hubspot, erp]) emulator.requests.clear();
  const versionsBefore = erpVersions(stack);
  const { rows: before } = await db.query<{ kind: string; n: string }>('SELECT kind, count(*) AS n FROM sync_resolutions GROUP BY kind');
  const { rows: failedBefore } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM sync_writes WHERE status = 'failed'`);
  if (faulty) {
    stripe.faults.set([{ status: 503, rate: FAULT_RATE }]);
    erp.faults.set([{ status: 503, rate: FAULT_RATE }]);
  }
  // The benchmark's own successful writes, and every call it made (attempts through 503s included).
  const own = { stripe: 0, hubspot: 0, erp: 0 };
  const ownCalls = { stripe: 0, hubspot: 0, erpRead: 0, erpUpdate: 0 };

  async function conflictAtStripe(change: Change) {
    const field = change.kind === 'address' ? 'address[line1]' : change.kind === 'city' ? 'address[city]' : change.kind;
    if (change.kind === 'creditLimit') return; // metadata is Interchange's copy; no user edits it: a conflict on address instead
    const body = new URLSearchParams({ [field]: `conflict ${change.value}` });
    await persist('Stripe conflicting change', async () => {
      ownCalls.stripe++;
      const answer = await fetch(`${stripe.url}/v1/customers/${change.stripeId}`, { method: 'POST', headers: stripeHeaders, body });
      if (!ok(answer.status)) throw new Error(`HTTP ${answer.status}`);
    });
    own.stripe++;
  }

  async function apply(change: Change) {
    if (OWNER[change.kind] === 'hubspot') {
      const properties =
        change.kind === 'name' ? { firstname: 'Bench', lastname: change.value.slice('Bench '.length) } : { [change.kind]: change.value };
      await persist('HubSpot change', async () => {
        ownCalls.hubspot++;
        const answer = await fetch(`${hubspot.url}/crm/v3/objects/contacts/${change.contactId}`, {
          method: 'PATCH',
          headers: hubspotHeaders,
          body: JSON.stringify({ properties }),
        });
        if (!ok(answer.status)) throw new Error(`HTTP ${answer.status}`);
      });
      own.hubspot++;
    } else {
      // Read for the current Key (the record's version), update with it; a 503 or a stale Key reads again.
      await persist('ERP change', async () => {
        ownCalls.erpRead++;
        const [read] = await soap.ReadAsync({ No: change.erpNo });
        const field = change.kind === 'address' ? 'Address' : 'Credit_Limit_LCY';
        ownCalls.erpUpdate++;
        await soap.UpdateAsync({ Customer: { Key: read.Customer.Key, [field]: change.value } });
      });
      own.erp++;
    }
    change.startedAt = performance.now();
    if (change.conflict) await conflictAtStripe(change);
  }

  const started = performance.now();
  const pending = new Set(changes);
  let polling = true;
  const poller = (async () => {
    while (polling && pending.size > 0) {
      const now = performance.now();
      const records = new Map(erp.snapshot('Customer').map((record) => [String(record.No), record as Record<string, unknown>]));
      for (const change of pending)
        if (change.startedAt !== undefined && visible(stack, records, change)) {
          change.seenAt = now;
          pending.delete(change);
        }
      await sleep(POLL_MS);
    }
  })();
  const writers = changes.map(async (change, index) => {
    await sleep((index / RATE) * 1000);
    await apply(change);
  });
  await Promise.all(writers);
  const deadline = Date.now() + TIMEOUT_MS;
  while (pending.size > 0 && Date.now() < deadline) await sleep(100);
  polling = false;
  await poller;
  const seconds = (performance.now() - started) / 1000;

  await quiet(stack, deadline + 60_000);
  if (pending.size > 0) {
    const records = new Map(erp.snapshot('Customer').map((record) => [String(record.No), record as Record<string, unknown>]));
    for (const change of [...pending].slice(0, 5))
      console.error(
        JSON.stringify({ unseen: change, stripe: stripe.store.customers.get(change.stripeId), erp: records.get(change.erpNo) }),
      );
  }
  stripe.faults.clear();
  erp.faults.clear();

  const stripeWrites = stripe.requests.list({ method: 'POST', path: /^\/v1\/customers\/cus_/ });
  const hubspotWrites = hubspot.requests
    .list()
    .filter((entry) => /^\/crm\/v3\/objects\/contacts(\/batch\/update|\/[^/]+)$/.test(entry.path) && entry.method !== 'GET');
  // Vendor calls of Interchange's: every request the emulators logged (faulted ones included: the call was
  // made), the benchmark's own taken out. The ERP's SOAP operation comes from each request's SOAPAction.
  const erpLog = erp.requests.list({ method: 'POST', path: /^\/WS\// });
  const erpWriteOps = new Set(['Update', 'UpdateMultiple', 'Create', 'CreateMultiple', 'Delete']);
  const erpWriteCalls = erpLog.filter((entry) => erpWriteOps.has(entry.soapAction ?? '')).length;
  const calls = {
    stripe: {
      writes: stripe.requests.list({ method: 'POST', path: /^\/v1\/customers\/cus_/ }).length - ownCalls.stripe,
      all: stripe.requests.list().length - ownCalls.stripe,
    },
    hubspot: { writes: hubspotWrites.length - ownCalls.hubspot, all: hubspot.requests.list().length - ownCalls.hubspot },
    erp: { writes: erpWriteCalls - ownCalls.erpUpdate, all: erpLog.length - ownCalls.erpRead - ownCalls.erpUpdate },
  };
  const versionsAfter = erpVersions(stack);
  let erpUpdates = 0;
  for (const [no, version] of versionsAfter) erpUpdates += version - (versionsBefore.get(no) ?? 0);
  const writes = {
    stripe: stripeWrites.filter((entry) => ok(entry.status)).length - own.stripe,
    hubspot: hubspotWrites.filter((entry) => ok(entry.status)).length - own.hubspot,
    erp: erpUpdates - own.erp,
  };
  // What the changes need: the owner's value into each receiver that differs, and each conflict reverted once.
  const needed = changes.reduce(
    (sum, change) => sum + (OWNER[change.kind] === 'hubspot' ? 2 : 1) + (change.conflict && change.kind !== 'creditLimit' ? 1 : 0),
    0,
  );
  const total = writes.stripe + writes.hubspot + writes.erp;
  const { rows: after } = await db.query<{ kind: string; n: string }>('SELECT kind, count(*) AS n FROM sync_resolutions GROUP BY kind');
  const { rows: failedAfter } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM sync_writes WHERE status = 'failed'`);
  const resolutions = Object.fromEntries(
    after.map((row) => [row.kind, Number(row.n) - Number(before.find((entry) => entry.kind === row.kind)?.n ?? 0)]),
  );

  const audit = await auditNow(stack);
  const mine = new Set(linked.map((customer) => customer.contactId));

  const latencies = (list: Change[]) => list.filter((c) => c.seenAt !== undefined).map((c) => c.seenAt! - c.startedAt!);
  const stats = (list: number[]) => {
    const sorted = [...list].sort((a, b) => a - b);
    return { n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? NaN };
  };
  return {
    label,
    changes: changes.length,
    conflicts: changes.filter((change) => change.conflict && change.kind !== 'creditLimit').length,
    byOwner: {
      hubspot: stats(latencies(changes.filter((change) => OWNER[change.kind] === 'hubspot'))),
      erp: stats(latencies(changes.filter((change) => OWNER[change.kind] === 'erp'))),
    },
    all: stats(latencies(changes)),
    unseen: pending.size,
    needed,
    writes,
    calls,
    failedAttempts: {
      stripe: stripe.requests.list().filter((entry) => entry.fault).length,
      erp: erp.requests.list().filter((entry) => entry.fault).length,
    },
    echoWrites: Math.max(0, total - needed),
    ownerWrites: writes.hubspot,
    resolutions,
    syncFailures: Number(failedAfter[0]!.n) - Number(failedBefore[0]!.n),
    seconds,
    audit,
    auditMine: audit.differences.filter((difference) => mine.has(difference.contactId)).length,
  };
}

/** Waits until every event is applied and no propagation is waiting, three seconds in a row (echoes come back meanwhile). */
async function quiet(stack: TestStack, until: number, progress = false): Promise<void> {
  for (let calm = 0; calm < 3 && Date.now() < until;) {
    const counts = await stack.events!.pipeline.counts();
    const waiting = await stack.events!.pipeline.boss.getQueueSize(SYNC_QUEUE, { before: 'completed' });
    if (progress) console.error(`settling: ${counts.pending} events pending, ${waiting} propagations waiting`);
    calm = counts.pending === 0 && waiting === 0 ? calm + 1 : 0;
    await sleep(1000);
  }
}

/** The stack's warnings and errors since the last call, counted by message (stderr: what slowed a run down). */
let logSeen = 0;
function logSummary(stack: TestStack, label: string): void {
  const counts = new Map<string, number>();
  for (const line of stack.logLines.slice(logSeen)) {
    if (Number(line.level) < 40) continue;
    const err = (line.err as { message?: string } | undefined)?.message ?? '';
    const key = `${String(line.msg)} ${err.slice(0, 160)}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  logSeen = stack.logLines.length;
  console.error(`${label}: ${counts.size === 0 ? 'no warnings' : JSON.stringify([...counts].sort((a, b) => b[1] - a[1]).slice(0, 8))}`);
}

async function auditNow(stack: TestStack): Promise<AuditResult> {
  const token = await stack.devToken({ sub: 'bench-audit', scope: 'crm:read billing:read orders:read' });
  const gateway = createGatewayClient({ url: () => stack.gatewayUrl, identity: { token: async () => token } });
  return runAudit({ db: stack.events!.db, gateway, rules: loadRules() });
}

function report(results: RunResult[], available: number, elapsed: number, load: string): string {
  const ms = (value: number) => (Number.isFinite(value) ? `${Math.round(value)} ms` : '–');
  const perChange = (r: RunResult, n: number) => (n / r.changes).toFixed(2);
  const lines = [
    '# Customer sync benchmark',
    '',
    `Reproduce: \`npm run bench:sync -- --customers ${CUSTOMERS} --rate ${RATE} --erp-poll-ms ${ERP_POLL_MS}\``,
    '',
    `${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores (shared with other work; load average at the end ${load}), Node ${process.version},`,
    `embedded stack, PGlite in memory, emulators in process. The seed links 492 of its 1,000 contacts in all three systems;`,
    `the set-up linked the rest through the vendors' APIs (${warmUp.createdErp} ERP customers by SOAP CreateMultiple, their`,
    `numbers on the contacts by HubSpot batch update, ${warmUp.createdStripe} Stripe customers), so ${available} customers are linked in all three.`,
    `The seed's systems disagree (${warmUp.differences} differences as the audit reads them, and what the new records lack):`,
    `before run 1 the audit's fix wrote the owners' values everywhere, and the audit then found ${warmUp.left} differences.`,
    `Runs: ${results[0]?.changes ?? 0} customers, one change each at the field's owner (HubSpot: phone, name, city; ERP over SOAP: address,`,
    `credit limit), started at ${RATE}/s; ${Math.round(CONFLICT_SHARE * 100)}% followed at once by a conflicting change in Stripe. ERP change`,
    `feed polled every ${ERP_POLL_MS} ms (the ERP has no webhooks: its latency includes the poll). One sync worker takes up to`,
    "18 jobs at a time and propagates them together (echoes recognized without a read; one gateway read of the other jobs'",
    'customers; HubSpot and ERP writes as one batch call each, Stripe one call per customer).',
    `Whole benchmark: ${Math.round(elapsed)} s, of which ${Math.round(settleSeconds)} s set-up and warm-up.`,
    '',
    `Latency: the owner's write returned → the owner's value in every receiving system's store (polled every ${POLL_MS} ms).`,
    "Records written: Interchange's successful writes, from the Stripe and HubSpot request logs and the ERP records'",
    "versions, the benchmark's own writes taken out. Needed: one per receiver per change, plus one revert per conflict.",
    "Echo writes: writes beyond those needed (a value of Interchange's own coming back and written again).",
    '',
    '| run | changes | conflicts | p50 all | p99 all | p50 HubSpot-owned | p99 HubSpot-owned | p50 ERP-owned | p99 ERP-owned | not seen |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...results.map(
      (r) =>
        `| ${r.label} | ${r.changes} | ${r.conflicts} | ${ms(r.all.p50)} | ${ms(r.all.p99)} | ${ms(r.byOwner.hubspot.p50)} | ${ms(r.byOwner.hubspot.p99)} | ${ms(r.byOwner.erp.p50)} | ${ms(r.byOwner.erp.p99)} | ${r.unseen} |`,
    ),
    '',
    '| run | records written Stripe | ERP | HubSpot (owner) | needed | per change | echo writes | injected 503s (Stripe / ERP) | failed writes recorded | resolutions |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    ...results.map((r) => {
      const total = r.writes.stripe + r.writes.erp + r.writes.hubspot;
      const resolutions = Object.entries(r.resolutions)
        .filter(([, n]) => n > 0)
        .map(([kind, n]) => `${kind} ${n}`)
        .join(', ');
      return `| ${r.label} | ${r.writes.stripe} | ${r.writes.erp} | ${r.writes.hubspot} | ${r.needed} | ${perChange(r, total)} | ${r.echoWrites} | ${r.failedAttempts.stripe} / ${r.failedAttempts.erp} | ${r.syncFailures} | ${resolutions || '–'} |`;
    }),
    '',
    "Vendor calls per change, from the emulators' request logs: every request Interchange made (503-answered",
    'attempts included), a batch call (ERP UpdateMultiple, HubSpot batch read or update) counted as one, the',
    "benchmark's own calls taken out. Write calls: Stripe customer updates, ERP Update/UpdateMultiple, HubSpot",
    "updates. All calls add the reads: the propagations' snapshots (joined by the gateway: HubSpot batch read, Stripe",
    "search, ERP ReadMultiple), the webhooks' catch-up, and the ERP change feed's polls.",
    '',
    '| run | write calls Stripe | ERP | HubSpot | write calls per change | all calls Stripe | ERP | HubSpot | all calls per change |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...results.map((r) => {
      const { stripe, erp, hubspot } = r.calls;
      return `| ${r.label} | ${stripe.writes} | ${erp.writes} | ${hubspot.writes} | ${perChange(r, stripe.writes + erp.writes + hubspot.writes)} | ${stripe.all} | ${erp.all} | ${hubspot.all} | ${perChange(r, stripe.all + erp.all + hubspot.all)} |`;
    }),
    '',
    'Audit afterwards (sync/audit.ts `runAudit`, in process, through the gateway, faults off), over every customer:',
    '',
    '| after run | customers read | linked | differences (all customers) | differences (benchmarked customers) |',
    '|---|---:|---:|---:|---:|',
    ...results.map((r) => `| ${r.label} | ${r.audit.customers} | ${r.audit.linked} | ${r.audit.differences.length} | ${r.auditMine} |`),
    '',
  ];
  return lines.join('\n');
}

async function main() {
  const began = performance.now();
  const stack = await startTestStack({
    EVENTS: 'true',
    EVENTS_RECONCILE_CRON: 'off',
    SYNC_AUDIT_CRON: 'off',
    ERP_POLL_INTERVAL_MS: String(ERP_POLL_MS),
    EMULATOR_RATE_LIMITS: 'false',
    LOG_LEVEL: 'silent',
  });
  try {
    // The request logs must hold every write of a run, reads included in between.
    for (const emulator of Object.values(stack.emulators)) if (emulator) emulator.requests.limit = 1_000_000;
    const erp = stack.emulators['erp-soap']!;
    const client = await createClientAsync(ERP_WSDL_FILES.Customer, { endpoint: erp.pageUrl('Customer') });
    client.setSecurity(
      new WSSecurity(DEFAULT_ERP_USER.username, DEFAULT_ERP_USER.password, { passwordType: 'PasswordDigest', hasNonce: true }),
    );
    const soap = client as unknown as SoapCalls;
    const settleStarted = performance.now();
    // The start's catch-up logs every seeded record's state: measured from a settled stack, not against that backlog.
    await quiet(stack, Date.now() + TIMEOUT_MS * 2, true);
    const created = await linkEveryone(stack, soap);
    const all = linkedCustomers(stack);
    const linked = all.slice(0, CUSTOMERS);
    if (linked.length < CUSTOMERS) console.error(`only ${all.length} customers are linked in all three systems; benchmarking those`);
    await quiet(stack, Date.now() + TIMEOUT_MS * 2, true);
    // The seed's three systems disagree (Stripe holds no ERP-owned field, names and phones differ): the first
    // change of a customer would also write all of that. The audit's fix brings every customer into agreement
    // first, so the runs measure a change, not the first sync of a customer, and the audits after them read
    // what the runs left.
    const before = await auditNow(stack);
    await stack.events!.sync!.engine.enqueue(fixJobs(before, 'bench-warm-up'));
    await quiet(stack, Date.now() + TIMEOUT_MS * 2, true);
    const after = await auditNow(stack);
    warmUp = {
      differences: before.differences.length,
      left: after.differences.length,
      createdErp: created.erp,
      createdStripe: created.stripe,
    };
    console.error(`warm-up: ${before.differences.length} differences fixed, ${after.differences.length} left`);
    logSummary(stack, 'warm-up log');
    settleSeconds = (performance.now() - settleStarted) / 1000;
    const results: RunResult[] = [];
    for (const [round, faulty] of [
      [1, false],
      [2, true],
    ] as const) {
      const label = faulty ? `20% 503s at Stripe and the ERP` : 'clean';
      console.error(`run ${label}: ${linked.length} changes at ${RATE}/s`);
      const result = await run(stack, soap, linked, label, round, faulty);
      console.error(JSON.stringify({ ...result, audit: { differences: result.audit.differences.length } }));
      logSummary(stack, `${label} log`);
      results.push(result);
    }
    const markdown = report(
      results,
      all.length,
      (performance.now() - began) / 1000,
      loadavg()
        .map((n) => n.toFixed(2))
        .join(', '),
    );
    writeFileSync('bench/reports/sync.md', markdown);
    console.log(markdown);
  } finally {
    await stack.close();
  }
}

await main();
