import type { RequestInfo } from './context.js';
import type { IdGenerator } from './ids.js';
import type { Store } from './store.js';
import type { StripeEvent, StripeObject } from './types.js';

export type EventListener = (event: StripeEvent) => void;

export type EventLog = {
  /** Records an event with a snapshot of the object as it is now. */
  record(type: string, object: StripeObject, request: RequestInfo | null, previousAttributes?: Record<string, unknown>): StripeEvent;
  /** Subscribes to every recorded event (the hook webhook delivery will use); returns the unsubscribe function. */
  onEvent(listener: EventListener): () => void;
};

export function createEventLog(store: Store, newId: IdGenerator, clock: () => number, apiVersion: string): EventLog {
  const listeners = new Set<EventListener>();
  return {
    record(type, object, request, previousAttributes) {
      const event: StripeEvent = {
        id: newId('evt'),
        object: 'event',
        api_version: apiVersion,
        created: Math.floor(clock() / 1000),
        // A snapshot: later changes to the object must not rewrite history.
        data: { object: structuredClone(object), ...(previousAttributes ? { previous_attributes: previousAttributes } : {}) },
        livemode: false,
        pending_webhooks: 0,
        request: request ?? { id: null, idempotency_key: null },
        type,
      };
      store.events.insert(event);
      for (const listener of listeners) {
        // A failing listener is the listener's problem; it must not turn a succeeded API call into an error.
        try {
          listener(event);
        } catch {
          /* ignored on purpose */
        }
      }
      return event;
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/**
 * `data.previous_attributes` for an `*.updated` event: the old values of the top-level fields that changed
 * (metadata key by key, as Stripe reports it, with `""` for keys that were added). Undefined when nothing changed.
 */
export function previousAttributes(before: StripeObject, after: StripeObject): Record<string, unknown> | undefined {
  const previous: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const old = before[key];
    const now = after[key];
    if (JSON.stringify(old) === JSON.stringify(now)) continue;
    if (key === 'metadata' && isRecord(old) && isRecord(now)) {
      const changed: Record<string, unknown> = {};
      for (const k of new Set([...Object.keys(old), ...Object.keys(now)])) {
        if (old[k] !== now[k]) changed[k] = old[k] ?? '';
      }
      previous[key] = changed;
    } else {
      previous[key] = old ?? null;
    }
  }
  return Object.keys(previous).length > 0 ? previous : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
