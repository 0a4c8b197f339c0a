import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMixpanelEmulator, type MixpanelEmulator } from '../../../emulators/mixpanel/index.js';
import { seedPeople } from '../../../emulators/shared/people.js';
import { SA_AUTH, TOKEN_AUTH } from './helpers.js';

let emulator: MixpanelEmulator;
let url: string;

beforeAll(async () => {
  emulator = createMixpanelEmulator({ people: 120, queryPerHour: 0 });
  url = await emulator.listen();
});
afterAll(() => emulator.close());

async function engage(form: Record<string, string>, auth = SA_AUTH, projectId = '1000') {
  const response = await fetch(`${url}/api/2.0/engage?project_id=${projectId}`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('POST /api/2.0/engage', () => {
  it('answers the profiles of the asked distinct_ids, built from the shared people', async () => {
    const people = seedPeople(42, 120).filter((person) => person.inMixpanel);
    const [a, b] = [people[0]!, people[5]!];
    const { status, body } = await engage({ distinct_ids: JSON.stringify([a.email, b.email, 'nobody@x.com']) });
    expect(status).toBe(200);
    const events = emulator.events();
    const lastSeen = (email: string) =>
      new Date(Math.max(...events.filter((event) => event.properties['distinct_id'] === email).map((event) => event.timeMs)))
        .toISOString()
        .slice(0, 19);
    expect(body).toEqual({
      page: 0,
      page_size: 1000,
      session_id: expect.any(String),
      status: 'ok',
      total: 2,
      results: [a, b].map((person) => ({
        $distinct_id: person.email,
        $properties: {
          $email: person.email,
          $name: `${person.firstName} ${person.lastName}`,
          $first_name: person.firstName,
          $last_name: person.lastName,
          $phone: person.phone,
          $city: person.city,
          $country_code: person.country,
          $created: expect.stringMatching(/^2026-\d\d-\d\dT\d\d:\d\d:\d\d$/),
          $last_seen: lastSeen(person.email),
          plan: expect.stringMatching(/^(free|starter|pro|enterprise)$/),
          company: expect.any(String),
        },
      })),
    });
  });

  it('filters with where and trims with output_properties', async () => {
    const { body } = await engage({ where: 'properties["$city"] == "Tokyo"', output_properties: '["$email","$city"]' });
    const tokyo = seedPeople(42, 120).filter((person) => person.inMixpanel && person.city === 'Tokyo');
    expect(tokyo.length).toBeGreaterThan(0);
    expect(body['results']).toEqual(
      tokyo.map((person) => ({ $distinct_id: person.email, $properties: { $email: person.email, $city: 'Tokyo' } })),
    );
    expect(body['total']).toBe(tokyo.length);
  });

  it('answers a bad where with 400 naming the problem', async () => {
    expect(await engage({ where: 'properties["$city"] == ' })).toEqual({
      status: 400,
      body: { error: "'where' is invalid: unexpected end of expression", status: 'error' },
    });
  });

  it('needs a service account with the right project', async () => {
    expect(await engage({ distinct_ids: '[]' }, TOKEN_AUTH)).toEqual({
      status: 401,
      body: { error: 'Invalid credentials', status: 'error' },
    });
    expect(await engage({ distinct_ids: '[]' }, SA_AUTH, '7')).toEqual({
      status: 403,
      body: { error: 'service account does not have access to project 7', status: 'error' },
    });
  });
});
