import { describe, expect, it } from 'vitest';
import { toCustomerEventCounts, toLastSeenAt } from '../../../subgraphs/analytics/mapping.js';
import { newestFirst, toEventConnection } from '../../../subgraphs/analytics/paging.js';
import { raw } from './testkit.js';

describe('customer activity', () => {
  const events = [
    raw('Login', 'a@x.com', '2026-10-01T10:00:00Z', 'e1'),
    raw('Page View', 'a@x.com', '2026-10-02T10:00:00Z', 'e2'),
    raw('Page View', 'a@x.com', '2026-10-03T10:00:00Z', 'e3'),
    raw('Purchase', 'a@x.com', '2026-10-04T10:00:00Z', 'e4'),
  ];
  it('pages newest first, each cursor resuming right after its event', () => {
    const sorted = newestFirst(events);
    const first = toEventConnection(sorted, { first: 2 });
    expect(first.nodes.map((node) => node.id)).toEqual(['e4', 'e3']);
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect(first.totalCount).toBe(4);
    // A newer event arriving meanwhile does not shift the next page.
    const grown = newestFirst([...events, raw('Login', 'a@x.com', '2026-10-05T10:00:00Z', 'e5')]);
    const second = toEventConnection(grown, { first: 2, after: first.pageInfo.endCursor });
    expect(second.nodes.map((node) => node.id)).toEqual(['e2', 'e1']);
    expect(second.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    expect(toEventConnection(sorted, { first: 1, after: first.edges[0]!.cursor }).nodes[0]!.id).toBe('e3');
  });
  it('refuses a foreign cursor', () => {
    expect(() => toEventConnection(events, { after: 'nope' })).toThrow(
      expect.objectContaining({ extensions: expect.objectContaining({ field: 'after' }) }),
    );
  });
  it('counts per event, most frequent first, and names zero counts when asked', () => {
    expect(toCustomerEventCounts(events).map(({ event, count }) => [event, count])).toEqual([
      ['Page View', 2],
      ['Login', 1],
      ['Purchase', 1],
    ]);
    expect(toCustomerEventCounts(events, ['Purchase', 'Sign Up']).map(({ event, count }) => [event, count])).toEqual([
      ['Purchase', 1],
      ['Sign Up', 0],
    ]);
    expect(toLastSeenAt(events)).toBe('2026-10-04T10:00:00.000Z');
    expect(toLastSeenAt([])).toBeNull();
  });
});
