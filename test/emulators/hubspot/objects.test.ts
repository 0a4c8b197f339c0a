import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@hubspot/api-client';
import { seedPeople } from '../../../emulators/shared/people.js';
import { createHubSpotEmulator, type HubSpotEmulator } from '../../../emulators/hubspot/index.js';
import { manualClock, sdkError, startHubSpot } from './testkit.js';

const clock = manualClock();
let emulator: HubSpotEmulator;
let client: Client;

beforeAll(async () => {
  ({ emulator, client } = await startHubSpot({ clock: clock.now, tenSecondlyLimit: 0 }));
});
afterAll(() => emulator.close());

describe('listing objects', () => {
  it('walks every seeded contact exactly once, page by page, in id order', async () => {
    const ids: string[] = [];
    let after: string | undefined;
    let pages = 0;
    do {
      const page = await client.crm.contacts.basicApi.getPage(100, after);
      ids.push(...page.results.map((contact) => contact.id));
      after = page.paging?.next?.after;
      pages++;
    } while (after);
    expect(pages).toBe(10);
    expect(ids).toHaveLength(1000);
    expect(new Set(ids).size).toBe(1000);
    expect(ids[0]).toBe('1001');
    expect(ids.at(-1)).toBe('2000');
    expect(ids.map(Number)).toEqual([...ids.map(Number)].sort((a, b) => a - b));
  });

  it('links the next page back to the emulator and leaves paging off the last page', async () => {
    const first = await client.crm.companies.basicApi.getPage(100, undefined, ['name']);
    expect(first.paging?.next).toEqual({
      after: '5101',
      link: `${emulator.url}/crm/v3/objects/companies?limit=100&properties=name&after=5101`,
    });
    const last = await client.crm.companies.basicApi.getPage(100, '5101');
    expect(last.results).toHaveLength(100);
    expect(last.results[0]?.id).toBe('5101');
    expect(last.paging).toBeUndefined();
  });

  it('getAll collects every company through the paging cursor', async () => {
    emulator.requests.clear();
    const companies = await client.crm.companies.getAll(100);
    expect(companies).toHaveLength(200);
    expect(emulator.requests.count({ method: 'GET', path: '/crm/v3/objects/companies' })).toBe(2);
  });

  it('answers the default properties, or the named ones with null for empty and nothing for undefined', async () => {
    const person = seedPeople()[0]!;
    const [byDefault] = (await client.crm.contacts.basicApi.getPage(1)).results;
    expect(byDefault?.properties).toEqual({
      createdate: new Date(person.createdAt).toISOString(),
      email: person.email,
      firstname: person.firstName,
      hs_object_id: '1001',
      lastmodifieddate: expect.any(String),
      lastname: person.lastName,
    });
    const named = await client.crm.contacts.basicApi.getById('1001', ['city', 'erp_customer_no', 'no_such_property']);
    expect(Object.keys(named.properties).sort()).toEqual(['city', 'createdate', 'erp_customer_no', 'hs_object_id', 'lastmodifieddate']);
    expect(named.properties.city).toBe(person.city);
    expect(named.properties.erp_customer_no).toBe(person.erpCustomerNo);
  });

  it('gets a contact by email with idProperty, with its company association', async () => {
    const person = seedPeople()[3]!;
    const contact = await client.crm.contacts.basicApi.getById(
      person.email,
      ['email', 'company'],
      undefined,
      ['companies'],
      false,
      'email',
    );
    expect(contact.id).toBe('1004');
    expect(contact.associations?.companies?.results).toEqual([
      { id: String(5001 + person.companyIndex), type: 'contact_to_company' },
      { id: String(5001 + person.companyIndex), type: 'contact_to_company_unlabeled' },
    ]);
  });

  it('answers 404 OBJECT_NOT_FOUND in JSON for an unknown id', async () => {
    const error = await sdkError(client.crm.contacts.basicApi.getById('999999'));
    expect(error.code).toBe(404);
    expect(error.body).toMatchObject({ status: 'error', category: 'OBJECT_NOT_FOUND' });
  });

  it('refuses a limit over 100 with a VALIDATION_ERROR', async () => {
    const error = await sdkError(client.crm.contacts.basicApi.getPage(101));
    expect(error.code).toBe(400);
    expect(error.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
  });
});

describe('batch read', () => {
  it('answers 200 COMPLETE with every object found', async () => {
    const answer = await client.crm.contacts.batchApi.readWithHttpInfo({
      inputs: [{ id: '1002' }, { id: '1001' }],
      properties: ['email'],
      propertiesWithHistory: [],
    });
    expect(answer.httpStatusCode).toBe(200);
    expect(answer.data.status).toBe('COMPLETE');
    expect(answer.data.results.map((contact) => [contact.id, contact.properties.email])).toEqual([
      ['1002', seedPeople()[1]!.email],
      ['1001', seedPeople()[0]!.email],
    ]);
    expect(answer.data.startedAt).toEqual(new Date(clock.now()));
  });

  it('answers 207 naming the ids that were not found, by email too', async () => {
    const people = seedPeople();
    const answer = await client.crm.contacts.batchApi.readWithHttpInfo({
      inputs: [{ id: people[10]!.email }, { id: 'nobody@example.com' }, { id: people[11]!.email.toUpperCase() }],
      idProperty: 'email',
      properties: ['email'],
      propertiesWithHistory: [],
    });
    expect(answer.httpStatusCode).toBe(207);
    expect(answer.data.results.map((contact) => contact.id)).toEqual(['1011', '1012']);
    expect(answer.data).toMatchObject({
      status: 'COMPLETE',
      numErrors: 1,
      errors: [{ status: 'error', category: 'OBJECT_NOT_FOUND', context: { ids: ['nobody@example.com'] } }],
    });
  });

  it('refuses more than 100 inputs', async () => {
    const inputs = Array.from({ length: 101 }, (_, n) => ({ id: String(1001 + n) }));
    const error = await sdkError(client.crm.contacts.batchApi.read({ inputs, properties: [], propertiesWithHistory: [] }));
    expect(error.code).toBe(400);
    expect(error.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
  });
});

describe('create, update, archive', () => {
  it('creates a contact with the next id and clock timestamps, then updates and archives it', async () => {
    const created = await client.crm.contacts.basicApi.create({
      properties: { email: 'New.Person@Example.com', firstname: 'New' },
      associations: [],
    });
    const at = new Date(clock.now());
    expect(created).toEqual({
      id: '2001',
      properties: {
        createdate: at.toISOString(),
        email: 'new.person@example.com',
        firstname: 'New',
        hs_object_id: '2001',
        lastmodifieddate: at.toISOString(),
      },
      createdAt: at,
      updatedAt: at,
      archived: false,
    });

    clock.advance(60_000);
    const updated = await client.crm.contacts.basicApi.update('2001', { properties: { lastname: 'Person' } });
    expect(updated.properties.lastname).toBe('Person');
    expect(updated.updatedAt).toEqual(new Date(clock.now()));

    await client.crm.contacts.basicApi.archive('2001');
    expect((await sdkError(client.crm.contacts.basicApi.getById('2001'))).code).toBe(404);
    const archived = await client.crm.contacts.basicApi.getById('2001', undefined, undefined, undefined, true);
    expect(archived).toMatchObject({ id: '2001', archived: true, archivedAt: new Date(clock.now()) });
  });

  it('answers 409 CONFLICT when the email already belongs to a contact', async () => {
    const error = await sdkError(
      client.crm.contacts.basicApi.create({
        properties: { email: seedPeople()[4]!.email.toUpperCase() },
        associations: [],
      }),
    );
    expect(error.code).toBe(409);
    expect(error.body).toEqual({
      status: 'error',
      message: 'Contact already exists. Existing ID: 1005',
      correlationId: expect.any(String),
      category: 'CONFLICT',
    });
  });

  it('answers 400 VALIDATION_ERROR for an invalid email and an unknown property', async () => {
    const error = await sdkError(
      client.crm.contacts.basicApi.create({
        properties: { email: 'not-an-email', favourite_colour: 'blue' },
        associations: [],
      }),
    );
    expect(error.code).toBe(400);
    expect(error.body).toMatchObject({
      status: 'error',
      category: 'VALIDATION_ERROR',
      errors: [
        { code: 'INVALID_EMAIL', message: 'Email address not-an-email is invalid', context: { propertyName: ['email'] } },
        { code: 'PROPERTY_DOESNT_EXIST', context: { propertyName: ['favourite_colour'] } },
      ],
    });
    expect(String(error.body.message)).toMatch(/^Property values were not valid: /);
  });

  it('validates deal enumerations and numbers', async () => {
    const error = await sdkError(
      client.crm.deals.basicApi.create({
        properties: { dealname: 'Bad', amount: 'lots', dealstage: 'won' },
        associations: [],
      }),
    );
    expect(error.code).toBe(400);
    expect((error.body.errors as Array<{ code: string }>).map((entry) => entry.code)).toEqual(['INVALID_DECIMAL', 'INVALID_OPTION']);
  });

  it('creates a deal associated with a company in the same call', async () => {
    const deal = await client.crm.deals.basicApi.create({
      properties: { dealname: 'Emulated', amount: '100.00', dealstage: 'qualifiedtobuy', pipeline: 'default' },
      associations: [{ to: { id: '5001' }, types: [{ associationCategory: 'HUBSPOT_DEFINED' as never, associationTypeId: 341 }] }],
    });
    const read = await client.crm.deals.basicApi.getById(deal.id, undefined, undefined, ['companies']);
    expect(read.associations?.companies?.results).toEqual([{ id: '5001', type: 'deal_to_company_unlabeled' }]);
  });
});

describe('errors are always JSON', () => {
  it('answers a malformed body with a VALIDATION_ERROR, not an HTML page', async () => {
    const response = await fetch(`${emulator.url}/crm/v3/objects/contacts`, {
      method: 'POST',
      headers: { authorization: 'Bearer pat-emulator', 'content-type': 'application/json' },
      body: '{"properties":',
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
  });
});

describe('determinism', () => {
  it('gives the same data for the same seed and different data for another', async () => {
    const read = async (instance: HubSpotEmulator) => {
      await instance.listen();
      try {
        const response = await fetch(`${instance.url}/crm/v3/objects/deals?limit=100&properties=dealname,amount,dealstage,closedate`, {
          headers: { authorization: 'Bearer pat-emulator' },
        });
        // Only the results: the paging link names the port, which differs per instance.
        return ((await response.json()) as { results: unknown[] }).results;
      } finally {
        await instance.close();
      }
    };
    const a = await read(createHubSpotEmulator({ seed: 7 }));
    const b = await read(createHubSpotEmulator({ seed: 7 }));
    const c = await read(createHubSpotEmulator({ seed: 8 }));
    expect(a).toHaveLength(100);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });
});
