import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@hubspot/api-client';
import { seedPeople } from '../../../emulators/shared/people.js';
import type { HubSpotEmulator } from '../../../emulators/hubspot/index.js';
import { sdkError, startHubSpot } from './testkit.js';

const people = seedPeople();
let emulator: HubSpotEmulator;
let client: Client;

beforeAll(async () => {
  ({ emulator, client } = await startHubSpot());
});
afterAll(() => emulator.close());

const primaryCompany = [
  { category: 'HUBSPOT_DEFINED', typeId: 1, label: 'Primary' },
  { category: 'HUBSPOT_DEFINED', typeId: 279, label: null },
];

describe('associations v4', () => {
  it("reads a company's contacts: exactly the seeded people of that company, typed 2 + 280", async () => {
    const expected = people.filter((person) => person.companyIndex === 0).map((person) => 1001 + person.index);
    const page = await client.crm.associations.v4.basicApi.getPage('companies', '5001', 'contacts');
    expect(page).toEqual({
      results: expected.map((toObjectId) => ({
        toObjectId,
        associationTypes: [
          { category: 'HUBSPOT_DEFINED', typeId: 2, label: 'Primary' },
          { category: 'HUBSPOT_DEFINED', typeId: 280, label: null },
        ],
      })),
    });
  });

  it('pages with limit and after', async () => {
    const all = await client.crm.associations.v4.basicApi.getPage('companies', '5001', 'contacts');
    const first = await client.crm.associations.v4.basicApi.getPage('companies', '5001', 'contacts', undefined, 2);
    expect(first.results).toEqual(all.results.slice(0, 2));
    expect(first.paging?.next?.after).toBe('2');
    const rest = await client.crm.associations.v4.basicApi.getPage('companies', '5001', 'contacts', '2', 500);
    expect(rest.results).toEqual(all.results.slice(2));
    expect(rest.paging).toBeUndefined();
  });

  // The SDK renames the wire's `from` to `_from` (a reserved word in its generator).
  it('batch-reads contacts to companies: 200 when every id exists', async () => {
    const answer = await client.crm.associations.v4.batchApi.getPageWithHttpInfo('contacts', 'companies', {
      inputs: [{ id: '1001' }, { id: '1002' }],
    });
    expect(answer.httpStatusCode).toBe(200);
    expect(answer.data.status).toBe('COMPLETE');
    expect(answer.data.results).toEqual([
      { _from: { id: '1001' }, to: [{ toObjectId: 5001 + people[0]!.companyIndex, associationTypes: primaryCompany }] },
      { _from: { id: '1002' }, to: [{ toObjectId: 5001 + people[1]!.companyIndex, associationTypes: primaryCompany }] },
    ]);
  });

  it('batch-reads with 207 and an error per unknown id', async () => {
    const answer = await client.crm.associations.v4.batchApi.getPageWithHttpInfo('contacts', 'companies', {
      inputs: [{ id: '1001' }, { id: '77' }],
    });
    expect(answer.httpStatusCode).toBe(207);
    expect(answer.data.results.map((result) => result._from.id)).toEqual(['1001']);
    expect(answer.data).toMatchObject({
      numErrors: 1,
      errors: [{ status: 'error', category: 'OBJECT_NOT_FOUND', context: { fromObjectId: ['77'] } }],
    });
  });

  it('deals point at their primary company and 1–2 of its contacts, and back', async () => {
    const deals = await client.crm.deals.getAll(100);
    for (const deal of deals.slice(0, 20)) {
      const [companies, contacts] = await Promise.all([
        client.crm.associations.v4.basicApi.getPage('deals', deal.id, 'companies'),
        client.crm.associations.v4.basicApi.getPage('deals', deal.id, 'contacts'),
      ]);
      expect(companies.results).toHaveLength(1);
      expect(companies.results[0]?.associationTypes.map((type) => type.typeId)).toEqual([5, 341]);
      const companyId = String(companies.results[0]?.toObjectId);
      expect(contacts.results.length).toBeLessThanOrEqual(2);
      for (const contact of contacts.results) {
        expect(contact.associationTypes.map((type) => type.typeId)).toEqual([3]);
        const employer = people[Number(contact.toObjectId) - 1001]!;
        expect(String(5001 + employer.companyIndex)).toBe(companyId);
      }
      const back = await client.crm.associations.v4.basicApi.getPage('companies', companyId, 'deals');
      expect(back.results.map((result) => String(result.toObjectId))).toContain(deal.id);
    }
  });

  it('associates a new contact with a company by default, primary, visible from both sides', async () => {
    const contact = await client.crm.contacts.basicApi.create({ properties: { email: 'joiner@example.com' }, associations: [] });
    const answer = await client.crm.associations.v4.basicApi.createDefault('contacts', contact.id, 'companies', '5002');
    expect(answer.results).toEqual([
      {
        _from: { id: contact.id },
        to: { id: '5002' },
        associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 279 },
      },
      {
        _from: { id: '5002' },
        to: { id: contact.id },
        associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 280 },
      },
    ]);
    const fromContact = await client.crm.associations.v4.basicApi.getPage('contacts', contact.id, 'companies');
    expect(fromContact.results).toEqual([{ toObjectId: 5002, associationTypes: primaryCompany }]);
    const fromCompany = await client.crm.associations.v4.basicApi.getPage('companies', '5002', 'contacts');
    expect(fromCompany.results.map((result) => result.toObjectId)).toContain(Number(contact.id));
  });

  it('refuses to associate an object that does not exist', async () => {
    const error = await sdkError(client.crm.associations.v4.basicApi.createDefault('contacts', '1001', 'companies', '4'));
    expect(error.code).toBe(404);
    expect(error.body).toMatchObject({ status: 'error', category: 'OBJECT_NOT_FOUND' });
  });
});
