/**
 * Mixpanel events -> schema types: one pure function per type, named for what it returns. No I/O, no clock.
 */
import { createHash } from 'node:crypto';
import type { CustomerEventCount } from './__generated__/resolvers.js';
import type { RawEvent } from './wire.js';

/** What the Customer resolvers receive: the representation the gateway joined by (email may be null in the CRM). */
export type CustomerModel = { __typename: 'Customer'; email: string | null };

/** An Event without `customer`, which its resolver derives from the distinct id. */
export type EventModel = {
  __typename: 'Event';
  id: string;
  name: string;
  time: string;
  distinctId: string;
  properties: Record<string, unknown>;
};

/** A stable id for an event: its `$insert_id`, else a hash of what identifies it. */
export function eventId(event: RawEvent): string {
  if (event.insertId) return event.insertId;
  return `h-${createHash('sha256')
    .update(JSON.stringify([event.name, event.distinctId, event.timeMs]))
    .digest('hex')
    .slice(0, 32)}`;
}

export function toEvent(event: RawEvent): EventModel {
  return {
    __typename: 'Event',
    id: eventId(event),
    name: event.name,
    time: new Date(event.timeMs).toISOString(),
    distinctId: event.distinctId,
    properties: event.properties,
  };
}

/** The newest event's time as ISO, or null. */
export function toLastSeenAt(events: readonly RawEvent[]): string | null {
  let newest = Number.NEGATIVE_INFINITY;
  for (const event of events) if (event.timeMs > newest) newest = event.timeMs;
  return Number.isFinite(newest) ? new Date(newest).toISOString() : null;
}

/** Counts per event name, most frequent first then by name; with `names`, exactly those (zeros included). */
export function toCustomerEventCounts(events: readonly RawEvent[], names?: readonly string[] | null): CustomerEventCount[] {
  const counts = new Map<string, number>((names ?? []).map((name) => [name, 0]));
  for (const event of events) {
    if (names && !counts.has(event.name)) continue;
    counts.set(event.name, (counts.get(event.name) ?? 0) + 1);
  }
  return [...counts]
    .map(([event, count]) => ({ __typename: 'CustomerEventCount' as const, event, count }))
    .sort((a, b) => b.count - a.count || a.event.localeCompare(b.event));
}
