import { describe, expect, it } from 'vitest';
import { parseExport } from '../../../subgraphs/analytics/export.js';
import { toEvent } from '../../../subgraphs/analytics/mapping.js';
import { EXPORT_BODY } from './testkit.js';

describe('export parsing and Event', () => {
  it('reads seconds and milliseconds, keeps the rest of the properties and skips unreadable lines', () => {
    const { events, malformed } = parseExport(EXPORT_BODY);
    expect(malformed).toBe(2);
    expect(events.map((event) => [event.name, event.timeMs, event.distinctId, event.insertId])).toEqual([
      ['Sign Up', 1777699896000, 'ada@example.com', 's42-p1-e0'],
      ['Page View', 1777700000123, 'ada@example.com', 's42-p1-e1'],
      ['Login', 1777700500000, 'bob@example.com', undefined],
    ]);
    expect(toEvent(events[0]!)).toEqual({
      __typename: 'Event',
      id: 's42-p1-e0',
      name: 'Sign Up',
      time: '2026-05-02T05:31:36.000Z',
      distinctId: 'ada@example.com',
      properties: { $browser: 'Safari', mp_country_code: 'US', plan: 'free' },
    });
    // No $insert_id: a stable hash stands in, the same on every export.
    const id = toEvent(events[2]!).id;
    expect(id).toMatch(/^h-[0-9a-f]{32}$/);
    expect(toEvent(parseExport(EXPORT_BODY).events[2]!).id).toBe(id);
  });
});
