import { createRandom, type Random } from '../shared/random.js';
import { seedCompanies, seedPeople, type Person } from '../shared/people.js';
import { DAY_MS, toProfileDate } from './dates.js';

/**
 * Seeded activity for every person with `inMixpanel`: distinct_id is the person's email. Events fall in the
 * six months before a fixed end date (not the clock), so the seed data is the same whenever it is generated.
 */
export const SEED_END_MS = Date.UTC(2026, 10, 1);
export const SEED_START_MS = SEED_END_MS - 183 * DAY_MS;

export type SeedEvent = { event: string; timeMs: number; properties: Record<string, unknown> };
export type SeedProfile = { distinctId: string; properties: Record<string, unknown> };

export const SEED_EVENT_NAMES = [
  'Sign Up',
  'Login',
  'Page View',
  'Search',
  'Add To Cart',
  'Checkout Started',
  'Purchase',
  'Invite Sent',
  'Feature Used',
] as const;

const BROWSERS = ['Chrome', 'Firefox', 'Safari', 'Microsoft Edge'];
const OSES = ['Mac OS X', 'Windows', 'Linux', 'iOS', 'Android'];
const PLANS = ['free', 'free', 'starter', 'pro', 'enterprise'];
const PAGES = ['/', '/pricing', '/dashboard', '/reports', '/settings', '/docs', '/integrations', '/billing'];
const SEARCHES = ['invoice', 'export csv', 'api key', 'pricing', 'webhooks', 'team', 'refund', 'sso'];
const FEATURES = ['dashboards', 'alerts', 'exports', 'api', 'sso', 'webhooks', 'reports'];
const PRODUCTS: ReadonlyArray<readonly [string, number]> = Array.from({ length: 24 }, (_, n) => [
  `sku-${1001 + n}`,
  Math.round((9.99 + (n % 8) * 12.5 + Math.floor(n / 8) * 40) * 100) / 100,
]);
const CURRENCIES: Record<string, string> = { US: 'USD', GB: 'GBP', JP: 'JPY', CA: 'CAD', AU: 'AUD' };

/** Browsing steps and their weights; cart, checkout and purchase come from the funnel in `activity`. */
const BROWSING: ReadonlyArray<readonly [string, number]> = [
  ['Login', 20],
  ['Page View', 32],
  ['Search', 14],
  ['Feature Used', 14],
  ['Invite Sent', 4],
  ['Add To Cart', 16],
];
const BROWSING_TOTAL = BROWSING.reduce((sum, [, weight]) => sum + weight, 0);

function browsingStep(random: Random): string {
  let roll = random.next() * BROWSING_TOTAL;
  for (const [name, weight] of BROWSING) {
    roll -= weight;
    if (roll < 0) return name;
  }
  return 'Page View';
}

export type SeedData = { events: SeedEvent[]; profiles: SeedProfile[] };

export function seedMixpanel(seed: number, peopleCount?: number): SeedData {
  const people = peopleCount === undefined ? seedPeople(seed) : seedPeople(seed, peopleCount);
  const companies = seedCompanies(seed);
  // Its own stream, so this emulator's data does not shift when another emulator draws differently.
  const random = createRandom(seed * 104729 + 7);
  const events: SeedEvent[] = [];
  const profiles: SeedProfile[] = [];
  for (const person of people) {
    if (!person.inMixpanel) continue;
    const personEvents = activity(person, random, seed);
    events.push(...personEvents);
    const first = personEvents[0]!;
    const last = personEvents[personEvents.length - 1]!;
    profiles.push({
      distinctId: person.email,
      properties: {
        $email: person.email,
        $name: `${person.firstName} ${person.lastName}`,
        $first_name: person.firstName,
        $last_name: person.lastName,
        $phone: person.phone,
        $city: person.city,
        $country_code: person.country,
        $created: toProfileDate(first.timeMs),
        $last_seen: toProfileDate(last.timeMs),
        plan: first.properties['plan'],
        company: companies[person.companyIndex]?.name ?? null,
      },
    });
  }
  return { events, profiles };
}

function activity(person: Person, random: Random, seed: number): SeedEvent[] {
  const count = random.int(10, 80);
  const signUpSeconds = Math.floor((SEED_START_MS + random.next() * 0.5 * (SEED_END_MS - SEED_START_MS)) / 1000);
  const endSeconds = SEED_END_MS / 1000 - 1;
  const times = [signUpSeconds];
  for (let k = 1; k < count; k++) times.push(random.int(signUpSeconds + 1, endSeconds));
  times.sort((a, b) => a - b);

  const common = {
    $browser: random.pick(BROWSERS),
    $os: random.pick(OSES),
    $city: person.city,
    mp_country_code: person.country,
    plan: random.pick(PLANS),
  };
  const currency = CURRENCIES[person.country] ?? 'EUR';
  // Funnel state: Add To Cart may lead to Checkout Started, which may lead to Purchase.
  let cart: Array<readonly [string, number]> = [];
  let checkingOut = false;
  return times.map((seconds, k) => {
    let name: string;
    let extra: Record<string, unknown> = {};
    if (checkingOut && k > 0 && !random.chance(0.6)) {
      // Checkout abandoned: the cart is gone and the user goes back to browsing.
      cart = [];
      checkingOut = false;
    }
    if (k === 0) {
      name = 'Sign Up';
    } else if (checkingOut) {
      name = 'Purchase';
      extra = { amount: Math.round(cart.reduce((sum, [, price]) => sum + price, 0) * 100) / 100, currency };
      cart = [];
      checkingOut = false;
    } else if (cart.length > 0 && random.chance(0.45)) {
      name = 'Checkout Started';
      checkingOut = true;
      extra = { items: cart.length };
    } else {
      name = browsingStep(random);
      if (name === 'Add To Cart') {
        const [productId, price] = random.pick(PRODUCTS);
        cart.push([productId, price]);
        extra = { product_id: productId, price };
      } else if (name === 'Page View') extra = { page: random.pick(PAGES) };
      else if (name === 'Search') extra = { query: random.pick(SEARCHES) };
      else if (name === 'Feature Used') extra = { feature: random.pick(FEATURES) };
      else if (name === 'Invite Sent') extra = { invites: random.int(1, 5) };
    }
    return {
      event: name,
      timeMs: seconds * 1000,
      properties: {
        time: seconds,
        distinct_id: person.email,
        $insert_id: `s${seed}-p${person.index}-e${k}`,
        ...common,
        ...extra,
      },
    };
  });
}
