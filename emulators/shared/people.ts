import { createRandom } from './random.js';

/**
 * The one list of people every emulator seeds from, so that the same customer exists in each vendor
 * system under that system's own id: HubSpot contact, Stripe customer (by email), Mixpanel distinct_id
 * (the email) and ERP customer (whose number is stored on the HubSpot contact as `erp_customer_no`).
 * Not every person is in every system, as in real life; the membership flags say where each one is.
 */
export type Person = {
  /** 0-based position; stable for a given seed. */
  index: number;
  firstName: string;
  lastName: string;
  email: string;
  phone: string;
  jobTitle: string;
  city: string;
  country: string;
  /** Index into seedCompanies(); every person works somewhere. */
  companyIndex: number;
  /** The ERP customer number, e.g. "C00042"; null when the person is not an ERP customer. */
  erpCustomerNo: string | null;
  /** Whether the person is a Stripe customer. */
  inStripe: boolean;
  /** Whether the person has product analytics events in Mixpanel. */
  inMixpanel: boolean;
  /** A fixed point in time the person was created at (ms since epoch), spread over 2025. */
  createdAt: number;
};

export type Company = {
  index: number;
  name: string;
  domain: string;
  industry: string;
  city: string;
  country: string;
  employees: number;
};

export const DEFAULT_SEED = 42;
export const DEFAULT_PEOPLE = 1000;
export const DEFAULT_COMPANIES = 200;

const FIRST = [
  'Ada',
  'Ben',
  'Chloe',
  'Dmitri',
  'Elif',
  'Farah',
  'Gustav',
  'Hana',
  'Ivan',
  'Jonas',
  'Keiko',
  'Liam',
  'Maya',
  'Noor',
  'Oscar',
  'Priya',
  'Quentin',
  'Rosa',
  'Sven',
  'Tariq',
  'Uma',
  'Victor',
  'Wen',
  'Ximena',
  'Yusuf',
  'Zoe',
];
const LAST = [
  'Abbott',
  'Becker',
  'Castillo',
  'Dubois',
  'Eriksen',
  'Fischer',
  'Garcia',
  'Haddad',
  'Ito',
  'Jansen',
  'Kowalski',
  'Lopez',
  'Moreau',
  'Nakamura',
  'Okafor',
  'Petrov',
  'Quinn',
  'Rossi',
  'Schmidt',
  'Tanaka',
  'Usman',
  'Varga',
  'Weber',
  'Xu',
  'Yilmaz',
  'Zhang',
];
const TITLES = [
  'CTO',
  'Head of Finance',
  'Procurement Lead',
  'Engineer',
  'Operations Manager',
  'CEO',
  'Analyst',
  'Product Manager',
  'Buyer',
  'Controller',
];
const PLACES: ReadonlyArray<readonly [string, string]> = [
  ['Berlin', 'DE'],
  ['Paris', 'FR'],
  ['London', 'GB'],
  ['Madrid', 'ES'],
  ['Amsterdam', 'NL'],
  ['New York', 'US'],
  ['Austin', 'US'],
  ['Toronto', 'CA'],
  ['Tokyo', 'JP'],
  ['Sydney', 'AU'],
];
const WORDS = [
  'Acme',
  'Nimbus',
  'Vertex',
  'Harbor',
  'Quartz',
  'Summit',
  'Lumen',
  'Atlas',
  'Cobalt',
  'Juniper',
  'Orbit',
  'Pioneer',
  'Redwood',
  'Sterling',
  'Tidal',
  'Vanguard',
];
const SUFFIXES = [
  'Labs',
  'Systems',
  'Logistics',
  'Foods',
  'Energy',
  'Health',
  'Works',
  'Retail',
  'Capital',
  'Robotics',
  'Textiles',
  'Media',
  'Motors',
];
const INDUSTRIES = [
  'COMPUTER_SOFTWARE',
  'LOGISTICS_AND_SUPPLY_CHAIN',
  'FOOD_PRODUCTION',
  'RENEWABLES_ENVIRONMENT',
  'HOSPITAL_HEALTH_CARE',
  'RETAIL',
  'FINANCIAL_SERVICES',
  'AUTOMOTIVE',
  'TEXTILES',
  'MEDIA_PRODUCTION',
];

const YEAR_2025 = Date.UTC(2025, 0, 1);
const YEAR_MS = 365 * 24 * 3600 * 1000;

export function seedCompanies(seed = DEFAULT_SEED, count = DEFAULT_COMPANIES): Company[] {
  const random = createRandom(seed * 7919 + 1);
  const companies: Company[] = [];
  for (let index = 0; index < count; index++) {
    const base = `${WORDS[index % WORDS.length]} ${SUFFIXES[Math.floor(index / WORDS.length) % SUFFIXES.length]}`;
    // Past 208 names the pairs repeat; a number keeps names and domains unique.
    const round = Math.floor(index / (WORDS.length * SUFFIXES.length));
    const name = round === 0 ? base : `${base} ${round + 1}`;
    const [city, country] = random.pick(PLACES);
    companies.push({
      index,
      name,
      domain: `${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.example`,
      industry: random.pick(INDUSTRIES),
      city,
      country,
      employees: random.int(5, 5000),
    });
  }
  return companies;
}

export function seedPeople(seed = DEFAULT_SEED, count = DEFAULT_PEOPLE, companies = DEFAULT_COMPANIES): Person[] {
  const random = createRandom(seed);
  const people: Person[] = [];
  let erpNumber = 0;
  for (let index = 0; index < count; index++) {
    const firstName = random.pick(FIRST);
    const lastName = random.pick(LAST);
    const [city, country] = random.pick(PLACES);
    const inErp = random.chance(0.6);
    people.push({
      index,
      firstName,
      lastName,
      // The index keeps emails unique however the names fall.
      email: `${firstName}.${lastName}.${index}@example.com`.toLowerCase(),
      phone: `+1555${String(1000000 + index).slice(1)}`,
      jobTitle: random.pick(TITLES),
      city,
      country,
      companyIndex: random.int(0, companies - 1),
      erpCustomerNo: inErp ? `C${String(++erpNumber).padStart(5, '0')}` : null,
      inStripe: random.chance(0.8),
      inMixpanel: random.chance(0.9),
      createdAt: YEAR_2025 + Math.floor(random.next() * YEAR_MS),
    });
  }
  return people;
}
