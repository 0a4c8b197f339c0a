/**
 * Customer sync end to end: vendor changes made directly at the emulators with the vendors' SDKs, through the
 * webhooks, the event log and the workers, propagated through the gateway's own mutations; checked with the
 * vendors' SDKs (Stripe, SOAP for the ERP) and by counting the emulators' writes.
 */
import { Client } from '@hubspot/api-client';
import { WSSecurity, createClientAsync } from 'soap';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ERP_USER, ERP_WSDL_FILES } from '../../emulators/erp-soap/index.js';
import { getEvent, listEvents } from '../../events/index.js';
import { SYNC_AUDIT_QUEUE, createGatewayClient, fixJobs, loadRules, runAudit, toCsv } from '../../sync/index.js';
import { SNAPSHOT_QUERY } from '../../sync/values.js';
import { TEST_DATABASE_URL, dropTestSchema, postgresReachable } from '../kit/database.js';
import { startTestStack, type TestStack } from '../kit/stack.js';
import { eventually } from '../kit/eventually.js';
import { stripeSdk } from '../kit/sdk.js';

type Linked = { contactId: string; email: string; stripeId: string; erpNo: string };

for (const kind of ['pglite', 'postgres'] as const) {
  describe(`customer sync on ${kind}`, () => {
    const schema = `e2e_sync_${process.pid}_${Math.random().toString(36).slice(2, 6)}`;
    let stack: TestStack;
    let skip = false;
    let hubspot: Client;
    let stripe: Stripe;
    let erpCustomer: (no: string) => Promise<Record<string, string>>;
    let linked: Linked[];

    beforeAll(async () => {
      if (kind === 'postgres' && !(await postgresReachable())) {
        skip = true;
        return;
      }
      stack = await startTestStack({
        EVENTS: 'true',
        EVENTS_RECONCILE_CRON: 'off',
        SYNC_AUDIT_CRON: 'off',
        // The ERP change feed off: the audit test edits the ERP behind sync's back, and a poll landing between
        // that edit and the audit would propagate (revert) it first. No test here waits on an ERP feed row.
        ERP_POLL_INTERVAL_MS: '0',
        ...(kind === 'postgres' ? { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema } : {}),
      });
      hubspot = new Client({ accessToken: 'pat-emulator', basePath: stack.emulators.hubspot!.url });
      stripe = stripeSdk(stack);
      const erp = stack.emulators['erp-soap']!;
      const soap = await createClientAsync(ERP_WSDL_FILES.Customer, { endpoint: erp.pageUrl('Customer') });
      soap.setSecurity(
        new WSSecurity(DEFAULT_ERP_USER.username, DEFAULT_ERP_USER.password, { passwordType: 'PasswordDigest', hasNonce: true }),
      );
      erpCustomer = async (no) => {
        const [result] = (await (soap as unknown as { ReadAsync(args: object): Promise<[{ Customer: Record<string, string> }]> }).ReadAsync(
          {
            No: no,
          },
        )) as [{ Customer: Record<string, string> }];
        return result.Customer;
      };
      const erpNumbers = new Set(erp.snapshot('Customer').map((record) => String(record.No)));
      // Customers present in all three systems: a contact with an ERP number and a Stripe customer by email.
      const stripeByEmail = new Map(stack.emulators.stripe!.store.customers.all().map((customer) => [customer.email, customer.id]));
      linked = [...stack.emulators.hubspot!.store.all('contacts')]
        .map((contact) => ({
          contactId: contact.id,
          email: String(contact.properties.email),
          erpNo: String(contact.properties.erp_customer_no ?? ''),
          stripeId: stripeByEmail.get(String(contact.properties.email)) ?? '',
        }))
        .filter((entry) => entry.erpNo && entry.stripeId && erpNumbers.has(entry.erpNo));
      // A freshly started stack pays for its first plan, connections and SOAP clients once (seconds on a busy
      // machine): one read of the fields sync compares, as sync's own first read would, before timing anything.
      const token = await stack.devToken({ sub: 'warm-up', scope: 'crm:read billing:read orders:read' });
      await stack.query(SNAPSHOT_QUERY, { id: linked.at(-1)!.contactId }, { authorization: `Bearer ${token}` });
    }, 120_000);

    afterAll(async () => {
      await stack?.close();
      if (kind === 'postgres' && !skip) {
        await dropTestSchema(schema);
      }
    });

    it('a phone changed with the HubSpot SDK reaches Stripe and the ERP within 5 s, and does not come back', async (context) => {
      if (skip) context.skip();
      const customer = linked[0]!;
      const phone = `+1555${String(Date.now()).slice(-7)}`;
      const stripeWrites = () => stack.emulators.stripe!.requests.count({ method: 'POST', path: `/v1/customers/${customer.stripeId}` });
      const hubspotWrites = () => stack.emulators.hubspot!.requests.count({ method: 'PATCH' });
      const erpCalls = () => stack.emulators['erp-soap']!.soapCalls('Customer');
      await hubspot.crm.contacts.basicApi.update(customer.contactId, { properties: { phone } });
      const changedAt = Date.now();
      const both = await eventually(
        async () => ({
          stripe: (await stripe.customers.retrieve(customer.stripeId)) as Stripe.Customer,
          erp: await erpCustomer(customer.erpNo),
        }),
        (value) => value.stripe.phone === phone && value.erp.Phone_No === phone,
      );
      expect(both.stripe.phone).toBe(phone);
      expect(both.erp.Phone_No).toBe(phone);
      expect(Date.now() - changedAt).toBeLessThan(5000);

      // The writes come back as a Stripe webhook (and would as ERP feed rows): recognized, not propagated again.
      const writes = { stripe: stripeWrites(), hubspot: hubspotWrites(), erp: erpCalls() };
      await eventually(
        async () => (await stack.events!.pipeline.counts({ vendor: 'stripe' })).applied,
        (applied) => applied > 0,
      );
      const drained = await eventually(
        async () =>
          (await stack.events!.db.query<{ n: string }>(`SELECT count(*) AS n FROM sync_writes WHERE status = 'pending'`)).rows[0]!.n,
        (pending) => Number(pending) === 0,
      );
      expect(Number(drained)).toBe(0);
      // Give any ping-pong its chance: every applied event has been handed to sync, and no job is waiting.
      await eventually(
        async () => (await stack.events!.pipeline.counts()).pending,
        (pending) => pending === 0,
      );
      expect(stripeWrites()).toBe(writes.stripe);
      expect(hubspotWrites()).toBe(writes.hubspot);
      expect(stack.emulators.stripe!.requests.count({ method: 'POST', path: `/v1/customers/${customer.stripeId}` })).toBe(1);
    });

    it("a CRM-owned phone changed in Stripe is reverted to the owner's value, and the resolution is recorded", async (context) => {
      if (skip) context.skip();
      const customer = linked[1]!;
      const owner = await hubspot.crm.contacts.basicApi.getById(customer.contactId, ['phone']);
      const ownerPhone = owner.properties.phone;
      await stripe.customers.update(customer.stripeId, { phone: '+19990000001' });
      const reverted = await eventually(
        async () => ((await stripe.customers.retrieve(customer.stripeId)) as Stripe.Customer).phone,
        (phone) => phone === ownerPhone,
      );
      expect(reverted).toBe(ownerPhone);
      const { rows } = await stack.events!.db.query<{ kind: string; winner: string; reason: string }>(
        `SELECT kind, winner, reason FROM sync_resolutions WHERE contact_id = $1 AND field = 'phone' AND system = 'stripe'`,
        [customer.contactId],
      );
      expect(rows).toContainEqual(expect.objectContaining({ kind: 'conflict', winner: 'hubspot' }));
    });

    it('a CRM-owned email changed in Stripe is only reported (the rule says report): Customer.sync shows the drift', async (context) => {
      if (skip) context.skip();
      const customer = linked[2]!;
      await stripe.customers.update(customer.stripeId, { email: `changed.${customer.email}` });
      const token = await stack.devToken({ sub: 'ops', scope: 'crm:read' });
      const query = 'query($id: ID!) { customer(id: $id) { sync { status drift { field system expected actual } } } }';
      const result = await eventually(
        () =>
          stack.query<{ customer: { sync: { status: string; drift: unknown[] } | null } }>(
            query,
            { id: customer.contactId },
            { authorization: `Bearer ${token}` },
          ),
        (answer) => answer.data?.customer.sync?.status === 'DRIFTED',
      );
      expect(result.data?.customer.sync).toEqual({
        status: 'DRIFTED',
        drift: [{ field: 'email', system: 'stripe', expected: customer.email, actual: `changed.${customer.email}` }],
      });
      expect(((await stripe.customers.retrieve(customer.stripeId)) as Stripe.Customer).email).toBe(`changed.${customer.email}`);
    });

    it("the audit finds a difference made behind sync's back, and its fix writes the owner's values", async (context) => {
      if (skip) context.skip();
      const customer = linked[3]!;
      const soap = stack.emulators['erp-soap']!;
      const client = await createClientAsync(ERP_WSDL_FILES.Customer, { endpoint: soap.pageUrl('Customer') });
      client.setSecurity(
        new WSSecurity(DEFAULT_ERP_USER.username, DEFAULT_ERP_USER.password, { passwordType: 'PasswordDigest', hasNonce: true }),
      );
      const card = await erpCustomer(customer.erpNo);
      // The ERP has no webhooks: a change there reaches sync only through the audit or the ERP change feed,
      // which this stack does not poll (ERP_POLL_INTERVAL_MS=0), so the drift is still there when the audit runs.
      await (client as unknown as { UpdateAsync(args: object): Promise<unknown> }).UpdateAsync({
        Customer: { Key: card.Key, Phone_No: '+4930000000' },
      });
      const token = await stack.devToken({ sub: 'auditor', scope: 'crm:read billing:read orders:read' });
      const gateway = createGatewayClient({ url: () => stack.gatewayUrl, identity: { token: async () => token } });
      const rules = loadRules();
      const first = await runAudit({ db: stack.events!.db, gateway, rules });
      const mine = first.differences.filter((difference) => difference.contactId === customer.contactId);
      expect(mine).toContainEqual(expect.objectContaining({ field: 'phone', owner: 'hubspot', system: 'erp', actual: '+4930000000' }));
      expect(first.linked).toBeGreaterThan(0);
      expect(toCsv(mine).split('\r\n')[0]).toBe('contact_id,email,field,owner,system,expected,actual');

      await stack.events!.sync!.engine.enqueue(fixJobs({ ...first, differences: mine }, 'test'));
      const fixed = await eventually(
        async () => (await erpCustomer(customer.erpNo)).Phone_No,
        (phone) => phone !== '+4930000000',
      );
      expect(fixed).toBe(mine.find((difference) => difference.field === 'phone')!.expected);
      // One fix job per owner: the ERP-owned fields reach Stripe by another job than the phone. Each job clears the
      // drift the audit stored for the fields it wrote, so no drift left means every fix has been written.
      const left = await eventually(
        async () =>
          Number(
            (
              await stack.events!.db.query<{ n: string }>('SELECT count(*) AS n FROM sync_drift WHERE contact_id = $1', [
                customer.contactId,
              ])
            ).rows[0]!.n,
          ),
        (n) => n === 0,
        30_000,
      );
      expect(left).toBe(0);
      const second = await runAudit({ db: stack.events!.db, gateway, rules });
      expect(second.differences.filter((difference) => difference.contactId === customer.contactId)).toEqual([]);
    }, 60_000);

    it('the scheduled audit runs from its queue (as SYNC_AUDIT_CRON fires it) and leaves its result in the event log', async (context) => {
      if (skip) context.skip();
      // What a cron tick does: a job on the audit queue, taken by whichever process runs the workers.
      await stack.events!.pipeline.boss.send(SYNC_AUDIT_QUEUE, {});
      const runs = await eventually(
        () => listEvents(stack.events!.db, { vendor: 'interchange', type: 'sync.audit' }, { limit: 10 }),
        (events) => events.length > 0,
        30_000,
      );
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ vendor: 'interchange', type: 'sync.audit', status: 'applied' });
      const change = (await getEvent(stack.events!.db, runs[0]!.id))!.change as {
        kind: string;
        customers: number;
        linked: number;
        differences: number;
      };
      expect(change.kind).toBe('SyncAudit');
      expect(change.customers).toBeGreaterThan(0);
      expect(change.linked).toBeGreaterThan(0);
      // linked[2]'s email stays different in Stripe (the rule says report): the scheduled audit finds it too.
      expect(change.differences).toBeGreaterThan(0);
    }, 60_000);
  });
}
