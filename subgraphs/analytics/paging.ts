/** A customer's events as a connection, paged by anchor event so pages stay stable as new events arrive. Pure. */
import { BadUserInputError, encodeCursor, readPageArgs, type Connection } from '../kit/index.js';
import { eventId, toEvent, type EventModel } from './mapping.js';
import type { RawEvent } from './wire.js';

/** A cursor position: the event a page ended with, so a page resumes right after it even as new events arrive. */
const anchorOf = (event: RawEvent): string => `${event.timeMs}:${eventId(event)}`;

/** A page of a customer's events, `events` newest first. `first` is 1 to 100 (default 10). */
export function toEventConnection(
  events: readonly RawEvent[],
  args: { first?: number | null; after?: string | null },
): Connection<EventModel> {
  const request = readPageArgs(args, 100, 10);
  let start = 0;
  if (request.vendorAfter !== undefined) {
    const match = /^(-?\d+):(.+)$/.exec(request.vendorAfter);
    if (!match)
      throw new BadUserInputError('`after` is not a cursor this list gave out; pass back a cursor from pageInfo or an edge.', 'after');
    const timeMs = Number(match[1]);
    const at = events.findIndex((event) => event.timeMs === timeMs && eventId(event) === match[2]);
    // The anchor event may be gone (deleted meanwhile): resume with the first older event.
    start = at >= 0 ? at + 1 : events.findIndex((event) => event.timeMs < timeMs);
    if (start < 0) start = events.length;
  }
  start += request.skip;
  const page = events.slice(start, start + request.first);
  const edges = page.map((event) => ({ cursor: encodeCursor(anchorOf(event), 0), node: toEvent(event) }));
  return {
    edges,
    nodes: edges.map((edge) => edge.node),
    pageInfo: {
      hasNextPage: start + page.length < events.length,
      hasPreviousPage: start > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
    totalCount: events.length,
  };
}

/** Events newest first; ties keep the reverse of Mixpanel's order, so the order is stable between calls. */
export function newestFirst(events: readonly RawEvent[]): RawEvent[] {
  return events
    .map((event, index) => ({ event, index }))
    .sort((a, b) => b.event.timeMs - a.event.timeMs || b.index - a.index)
    .map(({ event }) => event);
}
