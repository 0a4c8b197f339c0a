/**
 * Batched propagation end to end: the batch mutations through the gateway (HubSpot batch update, ERP
 * UpdateMultiple), and a batch of propagations working together through them. The stack runs the event pipeline
 * without workers, so nothing but the test propagates: every vendor call counted here is the test's own.
 */
import { Client } from '@hubspot/api-client';
import { WSSecurity, createClientAsync } from 'soap';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ERP_USER, ERP_WSDL_FILES } from '../../emulators/erp-soap/index.js';
import { createGatewayClient, createSyncEngine, loadRules, type GatewayClient, type PropagateJob } from '../../sync/index.js';
import { memoryLogger, startTestStack, type TestStack } from '../kit/stack.js';

type Linked = { contactId: string; erpNo: string };
type Soap = {
  ReadAsync(args: object): Promise<[{ Customer: Record<string, string> }]>;
  UpdateAsync(args: object): Promise<unknown>;
};

describe('batched propagation', () => {
  let stack: TestStack;
  let hubspot: Client;
  let soap: Soap;
  let linked: Linked[];
  let token: string;
  const erpCard = async (no: string) => (await soap.ReadAsync({ No: no }))[0].Customer;
  const erpCalls = (operation: string) =>
    stack.emulators['erp-soap']!.requests.list({ method: 'POST' }).filter((entry) => entry.soapAction === operation).length;

  beforeAll(async () => {
    stack = await startTestStack({
      EVENTS: 'true',
      EVENTS_IN_PROCESS_WORKERS: 'false',
      EVENTS_RECONCILE_CRON: 'off',
      SYNC_AUDIT_CRON: 'off',
    });
    hubspot = new Client({ accessToken: 'pat-emulator', basePath: stack.emulators.hubspot!.url });
    const erp = stack.emulators['erp-soap']!;
    const client = await createClientAsync(ERP_WSDL_FILES.Customer, { endpoint: erp.pageUrl('Customer') });
    client.setSecurity(
      new WSSecurity(DEFAULT_ERP_USER.username, DEFAULT_ERP_USER.password, { passwordType: 'PasswordDigest', hasNonce: true }),
    );
    soap = client as unknown as Soap;
    const erpNumbers = new Set(erp.snapshot('Customer').map((record) => String(record.No)));
    linked = [...stack.emulators.hubspot!.store.all('contacts')]
      .map((contact) => ({ contactId: contact.id, erpNo: String(contact.properties.erp_customer_no ?? '') }))
      .filter((entry) => erpNumbers.has(entry.erpNo));
    token = await stack.devToken({ sub: 'batch-writer', scope: 'crm:read orders:read billing:read customers:write billing:write' });
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
  });

  const gatewayQuery = <Data>(query: string, variables: Record<string, unknown>) =>
    stack.query<Data>(query, variables, { authorization: `Bearer ${token}` });

  it('updateCustomers changes several contacts in one HubSpot batch update, naming the ids HubSpot does not have', async () => {
    const [first, second] = linked;
    const batchCalls = () => stack.emulators.hubspot!.requests.count({ method: 'POST', path: '/crm/v3/objects/contacts/batch/update' });
    const before = batchCalls();
    const result = await gatewayQuery<{ updateCustomers: { customers: Array<{ id: string }>; missingIds: string[] } }>(
      `mutation($updates: [CustomerUpdate!]!) { updateCustomers(updates: $updates) { customers { id } missingIds } }`,
      {
        updates: [
          { id: first!.contactId, input: { jobTitle: 'Batch One' } },
          { id: '999999', input: { jobTitle: 'Nobody' } },
          { id: second!.contactId, input: { jobTitle: 'Batch Two', city: 'Batchville' } },
        ],
      },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.updateCustomers).toEqual({
      customers: [{ id: first!.contactId }, { id: second!.contactId }],
      missingIds: ['999999'],
    });
    expect(batchCalls() - before).toBe(1);
    const read = await hubspot.crm.contacts.batchApi.read({
      inputs: [{ id: first!.contactId }, { id: second!.contactId }],
      properties: ['jobtitle', 'city'],
      propertiesWithHistory: [],
    });
    expect(Object.fromEntries(read.results.map((contact) => [contact.id, [contact.properties.jobtitle, contact.properties.city]]))).toEqual(
      {
        [first!.contactId]: ['Batch One', expect.any(String)],
        [second!.contactId]: ['Batch Two', 'Batchville'],
      },
    );
  });

  it('updateErpCustomers writes several cards in one UpdateMultiple; one stale version fails the whole call with CONFLICT', async () => {
    const cards = linked.slice(2, 4);
    const query = `query($a: ID!, $b: ID!) {
      a: customer(id: $a) { account { number version } } b: customer(id: $b) { account { number version } } }`;
    const read = await gatewayQuery<Record<'a' | 'b', { account: { number: string; version: string } }>>(query, {
      a: cards[0]!.contactId,
      b: cards[1]!.contactId,
    });
    const [a, b] = [read.data!.a.account, read.data!.b.account];
    const mutation = `mutation($inputs: [UpdateErpCustomerInput!]!) { updateErpCustomers(inputs: $inputs) { accounts { number city version } } }`;
    const before = erpCalls('UpdateMultiple');
    const written = await gatewayQuery<{ updateErpCustomers: { accounts: Array<{ number: string; city: string; version: string }> } }>(
      mutation,
      {
        inputs: [
          { number: a.number, version: a.version, city: 'Multiple A' },
          { number: b.number, version: b.version, city: 'Multiple B' },
        ],
      },
    );
    expect(written.errors).toBeUndefined();
    expect(written.data?.updateErpCustomers.accounts.map((account) => [account.number, account.city])).toEqual([
      [a.number, 'Multiple A'],
      [b.number, 'Multiple B'],
    ]);
    expect(erpCalls('UpdateMultiple') - before).toBe(1);
    expect(erpCalls('Update')).toBe(0);

    // a's version is the new one, b's is the one before the write: stale. NAV faults the whole call.
    const fresh = written.data!.updateErpCustomers.accounts[0]!;
    const stale = await gatewayQuery<{ updateErpCustomers: unknown }>(mutation, {
      inputs: [
        { number: a.number, version: fresh.version, city: 'Never A' },
        { number: b.number, version: b.version, city: 'Never B' },
      ],
    });
    expect(stale.data?.updateErpCustomers).toBeNull();
    expect(stale.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', upstream: 'erp' });
    expect([(await erpCard(a.number)).City, (await erpCard(b.number)).City]).toEqual(['Multiple A', 'Multiple B']);
  });

  it('a batch of propagations reads its customers in one request and writes the ERP in one UpdateMultiple; a conflict re-reads and retries', async () => {
    const customers = linked.slice(4, 7);
    // Phones changed in the ERP behind sync's back (no change feed here): HubSpot owns the phone, so each
    // propagation writes the owner's phone back to the ERP.
    const owners = await hubspot.crm.contacts.batchApi.read({
      inputs: customers.map((customer) => ({ id: customer.contactId })),
      properties: ['phone'],
      propertiesWithHistory: [],
    });
    const ownerPhone = new Map(owners.results.map((contact) => [contact.id, contact.properties.phone]));
    for (const [index, customer] of customers.entries()) {
      const card = await erpCard(customer.erpNo);
      await soap.UpdateAsync({ Customer: { Key: card.Key, Phone_No: `+4940000000${index}` } });
    }
    // The engine's gateway client, wrapped: just before the first write is sent, someone edits the second
    // customer's card in the ERP (its City), so the UpdateMultiple carries one stale version.
    const serviceToken = await stack.devToken({
      sub: 'sync-test',
      scope: 'crm:read billing:read orders:read customers:write billing:write',
    });
    const inner = createGatewayClient({ url: () => stack.gatewayUrl, identity: { token: async () => serviceToken } });
    const sent: string[] = [];
    let interfered = false;
    const gateway: GatewayClient = {
      get sent() {
        return inner.sent;
      },
      async request(query, variables, options) {
        sent.push(/^(query|mutation) (\w+)/.exec(query)?.[2] ?? query);
        if (query.startsWith('mutation SyncWrite') && !interfered) {
          interfered = true;
          const card = await erpCard(customers[1]!.erpNo);
          await soap.UpdateAsync({ Customer: { Key: card.Key, City: 'Edited Meanwhile' } });
        }
        return inner.request(query, variables, options);
      },
    };
    const engine = createSyncEngine({ db: stack.events!.db, rules: loadRules(), gateway, log: memoryLogger().log });
    const before = { multiple: erpCalls('UpdateMultiple'), single: erpCalls('Update') };
    const jobs: PropagateJob[] = customers.map((customer) => ({
      key: 'test:batch',
      eventId: null,
      system: 'hubspot',
      contactId: customer.contactId,
      fields: ['phone'],
      values: {},
      occurredAt: new Date().toISOString(),
    }));
    expect(await engine.propagateAll(jobs)).toEqual([null, null, null]);

    // One read of the three, one write (faulted on the stale card), one read again of the ERP's cards, one write.
    expect(sent).toEqual(['SyncSnapshots', 'SyncWrite', 'SyncSnapshots', 'SyncWrite']);
    expect({ multiple: erpCalls('UpdateMultiple') - before.multiple, single: erpCalls('Update') - before.single }).toEqual({
      multiple: 2,
      single: 1, // the test's own edit
    });
    for (const customer of customers) expect((await erpCard(customer.erpNo)).Phone_No).toBe(ownerPhone.get(customer.contactId));
    expect((await erpCard(customers[1]!.erpNo)).City).toBe('Edited Meanwhile');
    // Only the card that changed is recorded as retried for a conflict.
    const { rows } = await stack.events!.db.query<{ contact_id: string }>(
      `SELECT contact_id FROM sync_resolutions WHERE kind = 'retry' AND contact_id = ANY($1::text[])`,
      [customers.map((customer) => customer.contactId)],
    );
    expect(rows.map((row) => row.contact_id)).toEqual([customers[1]!.contactId]);
  }, 60_000);
});
