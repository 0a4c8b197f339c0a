import { createRandom } from '../shared/random.js';
import { seedCompanies, seedPeople, type Company, type Person } from '../shared/people.js';
import { DEAL_STAGES } from './schema.js';
import { CrmStore, FIRST_IDS, type CrmObject } from './store.js';

const DAY_MS = 24 * 3600 * 1000;
const YEAR_2024 = Date.UTC(2024, 0, 1);
const CURRENCIES = ['EUR', 'USD', 'GBP'] as const;
const PRODUCTS = ['Annual licence', 'Pilot', 'Expansion', 'Support renewal', 'Onboarding package', 'Hardware refresh'];

/** The seeded contact id of a person: contacts are numbered from 1001 in seedPeople() order. */
export function contactIdOf(person: Pick<Person, 'index'>): string {
  return String(FIRST_IDS.contacts + person.index);
}

/** The seeded company id: companies are numbered from 5001 in seedCompanies() order. */
export function companyIdOf(company: Pick<Company, 'index'>): string {
  return String(FIRST_IDS.companies + company.index);
}

function seeded(
  type: CrmObject['type'],
  id: string,
  createdAt: number,
  updatedAt: number,
  properties: Record<string, string | null>,
  lastModified: string,
): CrmObject {
  return {
    id,
    type,
    createdAt,
    updatedAt,
    archived: false,
    properties: {
      ...properties,
      createdate: new Date(createdAt).toISOString(),
      [lastModified]: new Date(updatedAt).toISOString(),
      hs_object_id: id,
    },
  };
}

/**
 * Fills a store from the shared people and companies, plus deals of HubSpot's own making.
 * Ids: contacts 1001–2000 (person index + 1001), companies 5001–5200, deals from 9001 in company order.
 * Every contact is associated with its company (primary); each company has 0–3 deals, each deal associated
 * with its company (primary) and with 1–2 of that company's contacts when it has any.
 */
export function seedStore(seed: number, searchLagMs?: number): CrmStore {
  const store = new CrmStore(searchLagMs);
  // A stream of its own so HubSpot-only data (dates, deals) does not shift the shared people.
  const random = createRandom(seed * 104729 + 17);
  const companies = seedCompanies(seed);
  const people = seedPeople(seed, undefined, companies.length);

  const companyCreated: number[] = [];
  for (const company of companies) {
    const createdAt = YEAR_2024 + random.int(0, 364) * DAY_MS + random.int(0, DAY_MS - 1);
    companyCreated.push(createdAt);
    store.insertSeeded(
      seeded(
        'companies',
        companyIdOf(company),
        createdAt,
        createdAt + random.int(0, 90) * DAY_MS,
        {
          name: company.name,
          domain: company.domain,
          industry: company.industry,
          city: company.city,
          country: company.country,
          numberofemployees: String(company.employees),
        },
        'hs_lastmodifieddate',
      ),
    );
  }

  const contactsByCompany = new Map<number, string[]>();
  for (const person of people) {
    const id = contactIdOf(person);
    const company = companies[person.companyIndex];
    store.insertSeeded(
      seeded(
        'contacts',
        id,
        person.createdAt,
        person.createdAt + random.int(0, 60) * DAY_MS,
        {
          firstname: person.firstName,
          lastname: person.lastName,
          email: person.email,
          phone: person.phone,
          jobtitle: person.jobTitle,
          city: person.city,
          country: person.country,
          company: company?.name ?? null,
          erp_customer_no: person.erpCustomerNo,
        },
        'lastmodifieddate',
      ),
    );
    if (company) {
      store.associate('contacts', id, 'companies', companyIdOf(company), true);
      contactsByCompany.set(company.index, [...(contactsByCompany.get(company.index) ?? []), id]);
    }
  }

  let dealId = FIRST_IDS.deals;
  for (const company of companies) {
    const deals = random.int(0, 3);
    for (let n = 0; n < deals; n++) {
      const id = String(dealId++);
      const createdAt = (companyCreated[company.index] ?? YEAR_2024) + random.int(1, 365) * DAY_MS;
      const amount = random.int(10, 2500) * 100;
      store.insertSeeded(
        seeded(
          'deals',
          id,
          createdAt,
          createdAt + random.int(0, 30) * DAY_MS,
          {
            dealname: `${company.name} - ${random.pick(PRODUCTS)}`,
            amount: amount.toFixed(2),
            deal_currency_code: random.pick(CURRENCIES),
            dealstage: random.pick(DEAL_STAGES),
            pipeline: 'default',
            closedate: new Date(createdAt + random.int(14, 180) * DAY_MS).toISOString(),
          },
          'hs_lastmodifieddate',
        ),
      );
      store.associate('deals', id, 'companies', companyIdOf(company), true);
      const contacts = contactsByCompany.get(company.index) ?? [];
      if (contacts.length > 0) {
        const first = random.int(0, contacts.length - 1);
        store.associate('deals', id, 'contacts', contacts[first]!);
        if (contacts.length > 1 && random.chance(0.5)) {
          store.associate('deals', id, 'contacts', contacts[(first + 1) % contacts.length]!);
        }
      }
    }
  }
  return store;
}
