/**
 * Where the emulator used to be kinder than HubSpot (or missing): batch writes, labelled v4 associations, the
 * properties API, search's indexing lag and the secondly rate-limit headers, through @hubspot/api-client.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Client } from '@hubspot/api-client';
import { DEFAULT_SEARCH_LAG_MS, type HubSpotEmulator, type HubSpotEmulatorOptions } from '../../../emulators/hubspot/index.js';
import { manualClock, sdkError, startHubSpot } from './testkit.js';

let emulator: HubSpotEmulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

async function start(options: HubSpotEmulatorOptions = {}): Promise<{ client: Client; clock: ReturnType<typeof manualClock> }> {
  const clock = manualClock();
  const started = await startHubSpot({ clock: clock.now, ...options });
  emulator = started.emulator;
  return { client: started.client, clock };
}

const byEmail = (email: string) => ({
  filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ' as never, value: email }] }],
  properties: ['email', 'jobtitle'],
  limit: 10,
  after: '0',
  sorts: [],
});

describe('batch writes', () => {
  it('creates, updates and upserts in batches', async () => {
    const { client } = await start();
    const created = await client.crm.contacts.batchApi.create({
      inputs: [
        { properties: { email: 'batch.one@example.com', firstname: 'One' }, associations: [] },
        { properties: { email: 'batch.two@example.com', firstname: 'Two' }, associations: [] },
      ],
    });
    expect(created.status).toBe('COMPLETE');
    expect(created.results.map((r) => r.properties.email).sort()).toEqual(['batch.one@example.com', 'batch.two@example.com']);
    const ids = created.results.map((r) => r.id);

    const updated = await client.crm.contacts.batchApi.update({ inputs: ids.map((id) => ({ id, properties: { jobtitle: 'Tester' } })) });
    expect(updated.results.map((r) => r.properties.jobtitle)).toEqual(['Tester', 'Tester']);
    expect(emulator!.store.get('contacts', ids[0]!)?.properties.jobtitle).toBe('Tester');

    const upserted = await client.crm.contacts.batchApi.upsert({
      inputs: [
        { id: 'batch.one@example.com', idProperty: 'email', properties: { firstname: 'Uno' } },
        { id: 'batch.three@example.com', idProperty: 'email', properties: { firstname: 'Three' } },
      ],
    });
    const results = upserted.results as Array<{ id: string; properties: Record<string, string | null>; _new?: boolean; new?: boolean }>;
    expect(results.find((r) => r.properties.email === 'batch.one@example.com')?.id).toBe(ids[0]);
    expect(emulator!.store.get('contacts', ids[0]!)?.properties.firstname).toBe('Uno');
    expect(emulator!.store.findBy('contacts', 'email', 'batch.three@example.com')?.properties.firstname).toBe('Three');
  });

  it('refuses a whole batch with an invalid input or a taken email, writing nothing', async () => {
    const { client } = await start();
    const before = emulator!.store.count('contacts');
    const invalid = await sdkError(
      client.crm.contacts.batchApi.create({
        inputs: [
          { properties: { email: 'ok@example.com' }, associations: [] },
          { properties: { email: 'not-an-email' }, associations: [] },
        ],
      }),
    );
    expect(invalid.code).toBe(400);
    const taken = [...emulator!.store.all('contacts')][0]!.properties.email!;
    const conflict = await sdkError(client.crm.contacts.batchApi.create({ inputs: [{ properties: { email: taken }, associations: [] }] }));
    expect(conflict.code).toBe(409);
    expect(emulator!.store.count('contacts')).toBe(before);
  });
});

describe('labelled v4 associations', () => {
  it('associates with explicit types, moving the primary label', async () => {
    const { client } = await start();
    const contact = [...emulator!.store.all('contacts')][0]!;
    const companies = [...emulator!.store.all('companies')].slice(10, 12);
    for (const company of companies) {
      const result = await client.crm.associations.v4.basicApi.create('contacts', contact.id, 'companies', company.id, [
        { associationCategory: 'HUBSPOT_DEFINED' as never, associationTypeId: 1 },
      ]);
      expect(result).toMatchObject({ fromObjectId: Number(contact.id), toObjectId: Number(company.id), labels: ['Primary'] });
    }
    const page = await client.crm.associations.v4.basicApi.getPage('contacts', contact.id, 'companies');
    const primaries = page.results.filter((r) => r.associationTypes.some((t) => t.typeId === 1)).map((r) => String(r.toObjectId));
    expect(primaries).toEqual([companies[1]!.id]);
    const bad = await sdkError(
      client.crm.associations.v4.basicApi.create('contacts', contact.id, 'companies', companies[0]!.id, [
        { associationCategory: 'USER_DEFINED' as never, associationTypeId: 77 },
      ]),
    );
    expect(bad.code).toBe(400);
  });
});

describe('properties API', () => {
  it('lists and reads property definitions', async () => {
    const { client } = await start();
    const all = await client.crm.properties.coreApi.getAll('contacts');
    expect(all.results.map((p) => p.name)).toEqual(expect.arrayContaining(['email', 'firstname', 'erp_customer_no']));
    const stage = await client.crm.properties.coreApi.getByName('deals', 'dealstage');
    expect(stage).toMatchObject({ name: 'dealstage', type: 'enumeration', hasUniqueValue: false });
    expect(stage.options.map((o) => o.value)).toContain('closedwon');
    expect((await client.crm.properties.coreApi.getByName('contacts', 'email')).hasUniqueValue).toBe(true);
    expect((await sdkError(client.crm.properties.coreApi.getByName('contacts', 'shoe_size'))).code).toBe(404);
  });
});

describe('custom properties through the properties API', () => {
  const tier = {
    name: 'loyalty_tier',
    label: 'Loyalty tier',
    type: 'enumeration' as never,
    fieldType: 'select' as never,
    groupName: 'contactinformation',
    options: [
      { label: 'Gold', value: 'gold', displayOrder: 0, hidden: false },
      { label: 'Silver', value: 'silver', displayOrder: 1, hidden: false },
    ],
  };

  it('creates a property that objects can use at once, edits it, and archives it', async () => {
    const { client } = await start({ searchLagMs: 0 });
    const created = await client.crm.properties.coreApi.create('contacts', tier);
    expect(created).toMatchObject({
      name: 'loyalty_tier',
      label: 'Loyalty tier',
      type: 'enumeration',
      fieldType: 'select',
      hubspotDefined: false,
      archived: false,
    });
    expect(created.modificationMetadata).toMatchObject({ archivable: true, readOnlyDefinition: false });
    expect((await client.crm.properties.coreApi.getAll('contacts')).results.map((p) => p.name)).toContain('loyalty_tier');

    const contact = await client.crm.contacts.basicApi.create({
      properties: { email: 'tier@example.com', loyalty_tier: 'gold' },
      associations: [],
    });
    const read = await client.crm.contacts.basicApi.getById(contact.id, ['loyalty_tier']);
    expect(read.properties.loyalty_tier).toBe('gold');
    const badOption = await sdkError(client.crm.contacts.basicApi.update(contact.id, { properties: { loyalty_tier: 'platinum' } }));
    expect(badOption.code).toBe(400);
    const found = await client.crm.contacts.searchApi.doSearch({
      filterGroups: [{ filters: [{ propertyName: 'loyalty_tier', operator: 'EQ' as never, value: 'gold' }] }],
      properties: ['loyalty_tier'],
      limit: 10,
      after: '0',
      sorts: [],
    });
    expect(found.results.map((c) => c.id)).toEqual([contact.id]);

    const updated = await client.crm.properties.coreApi.update('contacts', 'loyalty_tier', {
      label: 'Tier',
      options: [...tier.options, { label: 'Platinum', value: 'platinum', displayOrder: 2, hidden: false }],
    });
    expect(updated.label).toBe('Tier');
    await client.crm.contacts.basicApi.update(contact.id, { properties: { loyalty_tier: 'platinum' } });
    expect((await client.crm.contacts.basicApi.getById(contact.id, ['loyalty_tier'])).properties.loyalty_tier).toBe('platinum');

    await client.crm.properties.coreApi.archive('contacts', 'loyalty_tier');
    expect((await sdkError(client.crm.properties.coreApi.getByName('contacts', 'loyalty_tier'))).code).toBe(404);
    expect((await client.crm.properties.coreApi.getByName('contacts', 'loyalty_tier', true)).archived).toBe(true);
    const gone = await sdkError(client.crm.contacts.basicApi.update(contact.id, { properties: { loyalty_tier: 'gold' } }));
    expect(gone.code).toBe(400);
    expect(JSON.stringify(gone.body)).toContain('PROPERTY_DOESNT_EXIST');
    expect((await sdkError(client.crm.properties.coreApi.archive('contacts', 'loyalty_tier'))).code).toBe(404);
  });

  it("refuses duplicates, bad definitions and edits of HubSpot-defined properties, in HubSpot's error shape", async () => {
    const { client } = await start();
    await client.crm.properties.coreApi.create('deals', { ...tier, name: 'deal_tier' });
    const duplicate = await sdkError(client.crm.properties.coreApi.create('deals', { ...tier, name: 'deal_tier' }));
    expect(duplicate.code).toBe(409);
    expect(duplicate.body).toMatchObject({ status: 'error', category: 'CONFLICT' });
    expect((await sdkError(client.crm.properties.coreApi.create('deals', { ...tier, name: 'dealstage' }))).code).toBe(409);

    const mismatch = await sdkError(
      client.crm.properties.coreApi.create('deals', {
        ...tier,
        name: 'priority_score',
        type: 'number' as never,
        fieldType: 'select' as never,
        options: [],
      }),
    );
    expect(mismatch.code).toBe(400);
    expect(mismatch.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
    expect(typeof mismatch.body.correlationId).toBe('string');
    for (const name of ['Bad Name', 'hs_mine', '9lives']) {
      expect((await sdkError(client.crm.properties.coreApi.create('deals', { ...tier, name }))).code).toBe(400);
    }
    expect((await sdkError(client.crm.properties.coreApi.create('deals', { ...tier, name: 'empty_enum', options: [] }))).code).toBe(400);
    expect((await sdkError(client.crm.properties.coreApi.update('deals', 'dealstage', { label: 'Stage' }))).code).toBe(400);
    expect((await sdkError(client.crm.properties.coreApi.archive('deals', 'dealstage'))).code).toBe(400);
    expect((await sdkError(client.crm.properties.coreApi.update('deals', 'no_such_property', { label: 'x' }))).code).toBe(404);

    const score = await client.crm.properties.coreApi.create('deals', {
      name: 'priority_score',
      label: 'Priority',
      type: 'number' as never,
      fieldType: 'number' as never,
      groupName: 'dealinformation',
    });
    expect(score.type).toBe('number');
    const deal = await client.crm.deals.basicApi.create({ properties: { dealname: 'Scored', priority_score: '7' }, associations: [] });
    expect((await sdkError(client.crm.deals.basicApi.update(deal.id, { properties: { priority_score: 'high' } }))).code).toBe(400);
  });
});

describe('search is eventually consistent (the default lag)', () => {
  it('misses new records and shows old values of changed ones until indexed; reads are immediate', async () => {
    const { client, clock } = await start();
    const created = await client.crm.contacts.basicApi.create({
      properties: { email: 'fresh@example.com', jobtitle: 'New' },
      associations: [],
    });
    expect((await client.crm.contacts.searchApi.doSearch(byEmail('fresh@example.com'))).total).toBe(0);
    expect((await client.crm.contacts.basicApi.getById(created.id, ['email'])).properties.email).toBe('fresh@example.com');
    clock.advance(DEFAULT_SEARCH_LAG_MS);
    expect((await client.crm.contacts.searchApi.doSearch(byEmail('fresh@example.com'))).results.map((r) => r.id)).toEqual([created.id]);

    await client.crm.contacts.basicApi.update(created.id, { properties: { jobtitle: 'Changed' } });
    const stale = await client.crm.contacts.searchApi.doSearch(byEmail('fresh@example.com'));
    expect(stale.results[0]?.properties.jobtitle).toBe('New');
    clock.advance(DEFAULT_SEARCH_LAG_MS);
    expect((await client.crm.contacts.searchApi.doSearch(byEmail('fresh@example.com'))).results[0]?.properties.jobtitle).toBe('Changed');
  });

  it('is instant only when a test asks for it', async () => {
    const { client } = await start({ searchLagMs: 0 });
    await client.crm.contacts.basicApi.create({ properties: { email: 'instant@example.com' }, associations: [] });
    expect((await client.crm.contacts.searchApi.doSearch(byEmail('instant@example.com'))).total).toBe(1);
  });
});

describe('rate-limit headers', () => {
  it('reports the secondly window next to the ten-secondly and daily ones', async () => {
    const { client } = await start({ tenSecondlyLimit: 100 });
    const response = await client.apiRequest({ method: 'GET', path: '/crm/v3/objects/contacts?limit=1' });
    expect(response.headers.get('x-hubspot-ratelimit-secondly')).toBe('10');
    expect(response.headers.get('x-hubspot-ratelimit-secondly-remaining')).toBe('9');
    await client.apiRequest({ method: 'GET', path: '/crm/v3/objects/contacts?limit=1' });
    const third = await client.apiRequest({ method: 'GET', path: '/crm/v3/objects/contacts?limit=1' });
    expect(third.headers.get('x-hubspot-ratelimit-secondly-remaining')).toBe('7');
    expect(third.headers.get('x-hubspot-ratelimit-remaining')).toBe('97');
    expect(third.headers.get('x-hubspot-ratelimit-daily-remaining')).not.toBeNull();
  });
});
