import { describe, expect, it } from 'vitest';
import { createMixpanelEmulator, SEED_END_MS, SEED_EVENT_NAMES } from '../../../emulators/mixpanel/index.js';
import { seedPeople } from '../../../emulators/shared/people.js';

describe('seeded events', () => {
  const first = createMixpanelEmulator({ clock: () => 0 });
  const events = first.events();

  it('are the same for the same seed, whatever the clock, and differ for another seed', () => {
    const second = createMixpanelEmulator({ clock: () => Date.UTC(2030, 0, 1) });
    expect(second.events()).toEqual(events);
    expect(second.profiles()).toEqual(first.profiles());
    const other = createMixpanelEmulator({ seed: 7, people: 50 });
    expect(other.events().slice(0, 50)).not.toEqual(events.slice(0, 50));
  });

  it('cover exactly the people in Mixpanel, by email, with 10 to 80 events each, Sign Up first', () => {
    const byPerson = new Map<string, (typeof events)[number][]>();
    for (const event of events) {
      const id = event.properties['distinct_id'] as string;
      byPerson.set(id, [...(byPerson.get(id) ?? []), event]);
    }
    const inMixpanel = seedPeople()
      .filter((person) => person.inMixpanel)
      .map((person) => person.email);
    expect([...byPerson.keys()].sort()).toEqual([...inMixpanel].sort());
    for (const personEvents of byPerson.values()) {
      expect(personEvents.length).toBeGreaterThanOrEqual(10);
      expect(personEvents.length).toBeLessThanOrEqual(80);
      expect(personEvents.map((event) => event.event).filter((name) => name === 'Sign Up')).toHaveLength(1);
      expect(personEvents[0]!.event).toBe('Sign Up');
    }
  });

  it('fall in the six months before the fixed end date, in time order, with unique insert ids', () => {
    expect(events[0]!.timeMs).toBeGreaterThanOrEqual(SEED_END_MS - 184 * 24 * 3600 * 1000);
    expect(events[events.length - 1]!.timeMs).toBeLessThan(SEED_END_MS);
    expect(events.every((event, i) => i === 0 || events[i - 1]!.timeMs <= event.timeMs)).toBe(true);
    expect(new Set(events.map((event) => event.properties['$insert_id'])).size).toBe(events.length);
  });

  it('are funnel-shaped with the documented properties', () => {
    const count = (name: string) => events.filter((event) => event.event === name).length;
    expect(new Set(events.map((event) => event.event))).toEqual(new Set(SEED_EVENT_NAMES));
    expect(count('Add To Cart')).toBeGreaterThan(count('Checkout Started'));
    expect(count('Checkout Started')).toBeGreaterThan(count('Purchase'));
    expect(count('Purchase')).toBeGreaterThan(0);
    const purchase = events.find((event) => event.event === 'Purchase')!;
    expect(Object.keys(purchase.properties).sort()).toEqual(
      ['time', 'distinct_id', '$insert_id', '$browser', '$os', '$city', 'mp_country_code', 'plan', 'amount', 'currency'].sort(),
    );
    expect(
      events
        .filter((event) => event.event === 'Add To Cart')
        .every((event) => typeof event.properties['price'] === 'number' && typeof event.properties['product_id'] === 'string'),
    ).toBe(true);
    expect(events.filter((event) => event.event === 'Page View').every((event) => typeof event.properties['page'] === 'string')).toBe(true);
    expect(events.filter((event) => event.event === 'Feature Used').every((event) => typeof event.properties['feature'] === 'string')).toBe(
      true,
    );
  });
});
