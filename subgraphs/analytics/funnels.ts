/** Funnels: how far each user got through ordered steps within a conversion window. Pure. */
import type { FunnelStep } from './__generated__/resolvers.js';
import type { Window } from './windows.js';
import type { RawEvent } from './wire.js';

/**
 * How far one user got: the most steps reached from any entry. From an entry (an event of the first step),
 * each later step is the earliest later event of that step within `windowMs` of the entry; taking the
 * earliest match is what lets the most later steps still fit. `events` are the user's, in time order.
 */
export function funnelDepth(events: readonly RawEvent[], steps: readonly string[], windowMs: number): number {
  let best = 0;
  for (let entry = 0; entry < events.length && best < steps.length; entry++) {
    if (events[entry]!.name !== steps[0]) continue;
    const deadline = events[entry]!.timeMs + windowMs;
    let depth = 1;
    for (let next = entry + 1; next < events.length && depth < steps.length; next++) {
      const event = events[next]!;
      if (event.timeMs > deadline) break;
      if (event.name === steps[depth]) depth++;
    }
    if (depth > best) best = depth;
  }
  return best;
}

/** The funnel over every user's events: only events inside `window` count, for entries and later steps alike. */
export function toFunnelSteps(events: readonly RawEvent[], steps: readonly string[], window: Window, windowMs: number): FunnelStep[] {
  const wanted = new Set(steps);
  const byUser = new Map<string, RawEvent[]>();
  for (const event of events) {
    if (!wanted.has(event.name) || event.timeMs < window.sinceMs || event.timeMs >= window.untilMs) continue;
    const list = byUser.get(event.distinctId) ?? [];
    list.push(event);
    byUser.set(event.distinctId, list);
  }
  const reached = steps.map(() => 0);
  for (const list of byUser.values()) {
    // Stable: events at the same ms keep Mixpanel's order.
    list.sort((a, b) => a.timeMs - b.timeMs);
    const depth = funnelDepth(list, steps, windowMs);
    for (let step = 0; step < depth; step++) reached[step]!++;
  }
  const ratio = (count: number, of: number): number => (of === 0 ? 0 : count / of);
  return steps.map((event, index) => ({
    __typename: 'FunnelStep' as const,
    position: index + 1,
    event,
    count: reached[index]!,
    conversionFromPrevious: index === 0 ? 1 : ratio(reached[index]!, reached[index - 1]!),
    conversionFromFirst: index === 0 ? 1 : ratio(reached[index]!, reached[0]!),
  }));
}
