import type { AnalyticsReadModel, Logger } from '../../platform/index.js';
import { BadUserInputError, scalarResolvers } from '../kit/index.js';
import type { Resolvers, TrackEventFailure } from './__generated__/resolvers.js';
import { toBuckets } from './buckets.js';
import { toRawEvent } from './export.js';
import { toFunnelSteps } from './funnels.js';
import { splitBatches, toImportEvent, toInputField, type PreparedEvent } from './import.js';
import { toCustomerEventCounts, toLastSeenAt, type CustomerModel } from './mapping.js';
import { newestFirst, toEventConnection } from './paging.js';
import { toWindow } from './windows.js';

/** Default windows, in days before `until` (or now): activity and counts look at a month, lastSeenAt further back. */
const DEFAULT_DAYS = 30;
const LAST_SEEN_DAYS = 90;
const MAX_FUNNEL_STEPS = 20;

export type ResolverOptions = {
  /** The longest window a query may ask for, in days. */
  maxWindowDays: number;
  /** Clock for default windows; default Date.now. */
  now?: () => number;
  /** The read model, when the sync is on: trackEvents writes what Mixpanel accepted into it, analyticsSync reports it. */
  readModel?: AnalyticsReadModel;
};

// Enough to tell an email from another kind of distinct id; the EmailAddress scalar checks the rest.
const looksLikeEmail = (value: string): boolean => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value);

export function createResolvers(options: ResolverOptions): Resolvers {
  const now = options.now ?? Date.now;
  const { readModel } = options;

  /**
   * The batch's accepted events into the read model, so they show before the next export brings them (with
   * the same $insert_id, stored once). A failure here loses nothing: the export brings them later.
   */
  async function record(batch: readonly PreparedEvent[], refused: readonly { index: number }[], log: Logger, tags: Set<string>) {
    if (!readModel) return;
    const refusedAt = new Set(refused.map((record) => record.index));
    const accepted = batch.flatMap((item, index) => {
      const event = refusedAt.has(index) ? undefined : toRawEvent(item.event);
      return event ? [event] : [];
    });
    try {
      await readModel.record(accepted);
      // The customers' cached analytics answers are stale now: the mutation's tags are purged before it answers.
      for (const event of accepted) if (looksLikeEmail(event.distinctId)) tags.add(`Customer:${event.distinctId}`);
    } catch (error) {
      log.warn({ err: error, events: accepted.length }, 'tracked events not written to the read model; the next sync brings them');
    }
  }

  const window = (args: { since?: string | null; until?: string | null }, defaultDays = DEFAULT_DAYS) =>
    toWindow(args, { now: now(), defaultDays, maxDays: options.maxWindowDays });

  return {
    ...scalarResolvers,
    Query: {
      analyticsSync: async () => {
        if (!readModel) return { __typename: 'AnalyticsSync', enabled: false, syncedThrough: null, coveredFrom: null };
        const status = await readModel.status();
        const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
        return {
          __typename: 'AnalyticsSync',
          enabled: true,
          syncedThrough: iso(status.syncedThroughMs),
          coveredFrom: iso(status.coveredFromMs),
        };
      },
      eventCounts: async (_, { event, since, until, interval }, { loaders }) => {
        const span = window({ since, until });
        const events = await loaders.projectEventsOf([event], span, now());
        const buckets = toBuckets(events, span, interval);
        return {
          __typename: 'EventCountSeries',
          event,
          interval,
          since: new Date(span.sinceMs).toISOString(),
          until: new Date(span.untilMs).toISOString(),
          buckets,
          total: buckets.reduce((sum, bucket) => sum + bucket.count, 0),
        };
      },
      funnel: async (_, { steps, since, until, window: windowSeconds }, { loaders }) => {
        if (steps.length < 1 || steps.length > MAX_FUNNEL_STEPS) {
          throw new BadUserInputError(`\`steps\` must name 1 to ${MAX_FUNNEL_STEPS} events; got ${steps.length}.`, 'steps');
        }
        if (!Number.isInteger(windowSeconds) || windowSeconds < 1)
          throw new BadUserInputError('`window` must be a positive number of seconds.', 'window');
        const span = window({ since, until });
        const events = await loaders.projectEventsOf(steps, span, now());
        return {
          __typename: 'Funnel',
          since: new Date(span.sinceMs).toISOString(),
          until: new Date(span.untilMs).toISOString(),
          window: windowSeconds,
          steps: toFunnelSteps(events, steps, span, windowSeconds * 1000),
        };
      },
    },
    Mutation: {
      trackEvents: async (_, { events }, { client, log, entityTags }) => {
        const failed: TrackEventFailure[] = [];
        const prepared: PreparedEvent[] = [];
        events.forEach((input, index) => {
          const result = toImportEvent(input, index);
          if ('event' in result) prepared.push(result);
          else failed.push(result);
        });
        let accepted = 0;
        const batches = splitBatches(prepared);
        // One request after another: a refused request stops the rest, and a retry of the input is safe.
        for (const batch of batches) {
          const outcome = await client.importEvents(batch.map((item) => item.event));
          accepted += outcome.imported;
          await record(batch, outcome.failed, log, entityTags);
          for (const record of outcome.failed) {
            const source = batch[record.index];
            failed.push({
              __typename: 'TrackEventFailure',
              index: source?.index ?? -1,
              field: toInputField(record.field),
              reason: record.message,
              insertId: record.insertId ?? source?.insertId ?? null,
            });
          }
        }
        log.info({ events: events.length, requests: batches.length, accepted, failed: failed.length }, 'tracked events');
        return { __typename: 'TrackEventsResult', accepted, failed: failed.sort((a, b) => a.index - b.index) };
      },
    },
    Customer: {
      // No lookup: the email is all this subgraph knows of a customer, and Mixpanel has no "user exists" call.
      __resolveReference: (reference): CustomerModel => ({ __typename: 'Customer', email: reference.email ?? null }),
      activity: async (customer, args, { loaders }) => {
        const span = window(args);
        const events = customer.email ? await loaders.eventsOf(customer.email, span, now()) : [];
        const names = args.events ? new Set(args.events) : undefined;
        return toEventConnection(newestFirst(names ? events.filter((event) => names.has(event.name)) : events), args);
      },
      lastSeenAt: async (customer, { since }, { loaders }) => {
        if (!customer.email) return null;
        return toLastSeenAt(await loaders.eventsOf(customer.email, window({ since }, LAST_SEEN_DAYS), now()));
      },
      eventCounts: async (customer, args, { loaders }) => {
        const span = window(args);
        const events = customer.email ? await loaders.eventsOf(customer.email, span, now()) : [];
        return toCustomerEventCounts(events, args.events);
      },
    },
    Event: {
      customer: (event): CustomerModel | null =>
        looksLikeEmail(event.distinctId) ? { __typename: 'Customer', email: event.distinctId } : null,
    },
  };
}
