import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@hubspot/api-client';
import type { Filter, FilterOperatorEnum } from '@hubspot/api-client/lib/codegen/crm/contacts/models/Filter.js';
import type { PublicObjectSearchRequest } from '@hubspot/api-client/lib/codegen/crm/contacts/models/PublicObjectSearchRequest.js';
import { seedCompanies, seedPeople, type Person } from '../../../emulators/shared/people.js';
import type { HubSpotEmulator } from '../../../emulators/hubspot/index.js';
import { sdkError, startHubSpot } from './testkit.js';

const people = seedPeople();
const companies = seedCompanies();
const contactId = (person: Person) => String(1001 + person.index);
let emulator: HubSpotEmulator;
let client: Client;

beforeAll(async () => {
  // The per-second search limit has its own test (rate-limit.test.ts); here it would only slow the suite.
  ({ emulator, client } = await startHubSpot({ searchPerSecond: 0 }));
});
afterAll(() => emulator.close());

function filter(propertyName: string, operator: string, extra: Partial<Filter> = {}): Filter {
  return { propertyName, operator: operator as FilterOperatorEnum, ...extra };
}

/** Every id the search finds, following `after` to the end. */
async function searchAll(request: PublicObjectSearchRequest, type: 'contacts' | 'companies' | 'deals' = 'contacts') {
  const ids: string[] = [];
  let after: string | undefined;
  let total = -1;
  do {
    const page = await client.crm[type].searchApi.doSearch({ limit: 100, ...request, after });
    ids.push(...page.results.map((object) => object.id));
    total = page.total;
    after = page.paging?.next?.after;
  } while (after);
  return { ids, total };
}

describe('search filters', () => {
  it('EQ is case-insensitive and pages with after through exactly total results', async () => {
    const expected = people.filter((person) => person.firstName === 'Ada').map(contactId);
    const first = await client.crm.contacts.searchApi.doSearch({
      filterGroups: [{ filters: [filter('firstname', 'EQ', { value: 'ada' })] }],
      limit: 5,
    });
    expect(first.total).toBe(expected.length);
    expect(first.results.map((contact) => contact.id)).toEqual(expected.slice(0, 5));
    expect(first.paging?.next?.after).toBe('5');
    const all = await searchAll({ filterGroups: [{ filters: [filter('firstname', 'EQ', { value: 'ada' })] }] });
    expect(all).toEqual({ ids: expected, total: expected.length });
  });

  it('ANDs filters in a group and ORs the groups (IN, NEQ, NOT_IN)', async () => {
    const expected = people
      .filter(
        (person) =>
          (['DE', 'FR'].includes(person.country) && person.jobTitle !== 'CTO') ||
          (person.lastName === 'Zhang' && !['Berlin', 'Paris'].includes(person.city)),
      )
      .map(contactId);
    const found = await searchAll({
      filterGroups: [
        { filters: [filter('country', 'IN', { values: ['de', 'FR'] }), filter('jobtitle', 'NEQ', { value: 'CTO' })] },
        { filters: [filter('lastname', 'EQ', { value: 'Zhang' }), filter('city', 'NOT_IN', { values: ['Berlin', 'Paris'] })] },
      ],
    });
    expect(found.ids).toEqual(expected);
  });

  it('compares numbers numerically (GT, BETWEEN) and sorts descending', async () => {
    const big = companies.filter((company) => company.employees > 4000).sort((a, b) => b.employees - a.employees || a.index - b.index);
    const found = await client.crm.companies.searchApi.doSearch({
      filterGroups: [{ filters: [filter('numberofemployees', 'GT', { value: '4000' })] }],
      sorts: [JSON.stringify({ propertyName: 'numberofemployees', direction: 'DESCENDING' })],
      properties: ['numberofemployees'],
      limit: 200,
    });
    expect(found.results.map((company) => Number(company.properties.numberofemployees))).toEqual(big.map((company) => company.employees));

    const between = await searchAll(
      {
        filterGroups: [{ filters: [filter('numberofemployees', 'BETWEEN', { value: '100', highValue: '900' })] }],
      },
      'companies',
    );
    expect(between.ids).toEqual(companies.filter((c) => c.employees >= 100 && c.employees <= 900).map((c) => String(5001 + c.index)));
  });

  it('compares dates given as ms or ISO (LT, GTE)', async () => {
    const cut = Date.UTC(2025, 5, 1);
    const before = await searchAll({ filterGroups: [{ filters: [filter('createdate', 'LT', { value: String(cut) })] }] });
    const after = await searchAll({ filterGroups: [{ filters: [filter('createdate', 'GTE', { value: new Date(cut).toISOString() })] }] });
    expect(before.ids).toEqual(people.filter((person) => person.createdAt < cut).map(contactId));
    expect(after.total).toBe(1000 - before.total);
  });

  it('HAS_PROPERTY / NOT_HAS_PROPERTY split contacts on the ERP number', async () => {
    const has = await client.crm.contacts.searchApi.doSearch({ filterGroups: [{ filters: [filter('erp_customer_no', 'HAS_PROPERTY')] }] });
    const hasNot = await client.crm.contacts.searchApi.doSearch({
      filterGroups: [{ filters: [filter('erp_customer_no', 'NOT_HAS_PROPERTY')] }],
    });
    expect(has.total).toBe(people.filter((person) => person.erpCustomerNo !== null).length);
    expect(hasNot.total).toBe(people.filter((person) => person.erpCustomerNo === null).length);
  });

  it('CONTAINS_TOKEN matches words, with * wildcards', async () => {
    const abbotts = await searchAll({ filterGroups: [{ filters: [filter('email', 'CONTAINS_TOKEN', { value: '*.abbott.*' })] }] });
    expect(abbotts.ids).toEqual(people.filter((person) => person.lastName === 'Abbott').map(contactId));
    const pilots = await searchAll({ filterGroups: [{ filters: [filter('dealname', 'CONTAINS_TOKEN', { value: 'pilot' })] }] }, 'deals');
    expect(pilots.total).toBeGreaterThan(0);
    const names = await client.crm.deals.batchApi.read({
      inputs: pilots.ids.slice(0, 100).map((id) => ({ id })),
      properties: ['dealname'],
      propertiesWithHistory: [],
    });
    expect(names.results.every((deal) => / Pilot$/.test(deal.properties.dealname ?? ''))).toBe(true);
  });

  it('query searches the default searchable properties by word prefix', async () => {
    const found = await searchAll({ query: 'ada abb' });
    expect(found.ids).toEqual(people.filter((p) => p.firstName === 'Ada' && p.lastName === 'Abbott').map(contactId));
    const byEmail = await client.crm.contacts.searchApi.doSearch({ query: people[42]!.email, properties: ['email', 'jobtitle'] });
    expect(byEmail.results).toEqual([
      expect.objectContaining({
        id: '1043',
        properties: {
          createdate: new Date(people[42]!.createdAt).toISOString(),
          email: people[42]!.email,
          hs_object_id: '1043',
          jobtitle: people[42]!.jobTitle,
          lastmodifieddate: expect.any(String),
        },
      }),
    ]);
  });

  it('sorts ascending by a string property, ties by id', async () => {
    const found = await client.crm.contacts.searchApi.doSearch({
      filterGroups: [{ filters: [filter('city', 'EQ', { value: 'Tokyo' })] }],
      sorts: ['lastname'],
      limit: 200,
    });
    const expected = people
      .filter((person) => person.city === 'Tokyo')
      .sort((a, b) => a.lastName.localeCompare(b.lastName) || a.index - b.index)
      .map(contactId);
    expect(found.results.map((contact) => contact.id)).toEqual(expected.slice(0, 200));
  });
});

describe('search caps', () => {
  const one = () => ({ filters: [filter('firstname', 'HAS_PROPERTY')] });
  const many = (count: number) => ({ filters: Array.from({ length: count }, () => filter('firstname', 'HAS_PROPERTY')) });

  it.each([
    ['6 filter groups', { filterGroups: Array.from({ length: 6 }, one) }],
    ['7 filters in a group', { filterGroups: [many(7)] }],
    ['19 filters in total', { filterGroups: [many(6), many(6), many(6), one()] }],
    ['a limit of 201', { limit: 201 }],
    ['paging past 10,000 results', { after: '10000' }],
    ['an unknown operator', { filterGroups: [{ filters: [filter('firstname', 'LIKE', { value: 'a' })] }] }],
    ['an unknown property', { filterGroups: [{ filters: [filter('favourite_colour', 'EQ', { value: 'a' })] }] }],
  ])('answers 400 VALIDATION_ERROR for %s', async (_name, request) => {
    const error = await sdkError(client.crm.contacts.searchApi.doSearch(request as PublicObjectSearchRequest));
    expect(error.code).toBe(400);
    expect(error.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR', message: expect.any(String) });
  });

  it('accepts exactly the caps: 5 groups, 18 filters', async () => {
    const found = await client.crm.contacts.searchApi.doSearch({
      filterGroups: [many(6), many(6), many(4), one(), one()],
      limit: 1,
    });
    expect(found.total).toBe(1000);
  });
});

describe('search by association', () => {
  it('finds the contacts associated with a company through the associations.company pseudo-property', async () => {
    const company = companies[7]!;
    const expected = people.filter((person) => person.companyIndex === company.index).map(contactId);
    const found = await searchAll({
      filterGroups: [{ filters: [filter('associations.company', 'EQ', { value: String(5001 + company.index) })] }],
    });
    expect(found.ids.sort()).toEqual(expected.sort());
  });

  it('accepts only EQ and IN on an association', async () => {
    const error = await sdkError(
      client.crm.contacts.searchApi.doSearch({
        filterGroups: [{ filters: [filter('associations.company', 'GT', { value: '5001' })] }],
      } as PublicObjectSearchRequest),
    );
    expect(error.code).toBe(400);
  });
});
