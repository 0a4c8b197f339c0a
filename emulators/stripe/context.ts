import type { Response } from 'express';
import type { EventLog } from './events.js';
import type { Includables } from './expand.js';
import type { IdGenerator } from './ids.js';
import type { Store } from './store.js';

/** Everything one emulator instance owns; handed to every route module so two instances never share state. */
export type StripeContext = {
  store: Store;
  newId: IdGenerator;
  /** ms since epoch; the `clock` option. */
  clock: () => number;
  events: EventLog;
  apiVersion: string;
  includables: Includables;
  /** How long a new object stays out of search results (Stripe's search is eventually consistent); 0 instant. */
  searchLagMs: number;
};

/** What a state change knows about the request that caused it, for the event's `request` field. */
export type RequestInfo = { id: string | null; idempotency_key: string | null };

export function requestInfo(res: Response): RequestInfo {
  const locals = res.locals as { requestId?: string; idempotencyKey?: string | null; executed?: boolean };
  // Asked for only when a state change is recorded: from here on the request has executed (see idempotency.ts).
  locals.executed = true;
  return { id: locals.requestId ?? null, idempotency_key: locals.idempotencyKey ?? null };
}

/** Stripe's timestamps are unix seconds. */
export function nowSeconds(context: StripeContext): number {
  return Math.floor(context.clock() / 1000);
}
