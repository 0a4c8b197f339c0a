import type { RawEvent } from './wire.js';

/**
 * Mixpanel's raw export returns every copy of an event sent more than once (a retried import, a client that
 * re-sends); its reports count such copies once, deduplicating at query time on event name + distinct_id +
 * time + $insert_id. Counts built from the export must apply the same rule, or every retry is an overcount.
 * Events without a `$insert_id` are never merged (Mixpanel cannot tell them apart either).
 *
 * Keeps the first copy's position in the export's order and the last copy's contents (Mixpanel's dedupe keeps
 * the most recent version). Pure: no I/O.
 */
export function dedupeEvents(events: readonly RawEvent[]): RawEvent[] {
  const kept: RawEvent[] = [];
  const positions = new Map<string, number>();
  for (const event of events) {
    if (event.insertId === undefined) {
      kept.push(event);
      continue;
    }
    const key = JSON.stringify([event.name, event.distinctId, event.timeMs, event.insertId]);
    const position = positions.get(key);
    if (position === undefined) {
      positions.set(key, kept.length);
      kept.push(event);
    } else {
      kept[position] = event;
    }
  }
  return kept;
}
