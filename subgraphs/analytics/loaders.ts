import DataLoader from 'dataloader';
import type { AnalyticsReadModel, ReadModelStatus } from '../../platform/index.js';
import { chunk, type LoaderTools } from '../kit/index.js';
import type { AnalyticsClient } from './client.js';
import { DAY_MS, dayString, inWindow, toDayRange, toDistinctIdWhere, type DayRange, type Window } from './windows.js';
import type { RawEvent } from './wire.js';

export type LoaderOptions = {
  /** Distinct ids per export request; default 100 (the list travels in the URL). */
  exportBatchSize?: number;
  /**
   * The read model of Mixpanel's export (events/, handed in by the launcher) when the sync is on: windows it
   * covers are answered from it and cost no export; default none (every window from an export).
   */
  readModel?: AnalyticsReadModel;
};

/** Distinct ids per export when not configured: the `in [...]` list travels in the URL. */
const EXPORT_BATCH = 100;

/**
 * An export this request has made (or is making): which days, whose events (`all` = every user) and which
 * event names (`all` = every event). Later loads that it covers are answered from it.
 */
type Export = {
  range: DayRange;
  distinctIds: ReadonlySet<string> | 'all';
  names: ReadonlySet<string> | 'all';
  /** The exported events by distinct id, in Mixpanel's (time) order. */
  byUser: Promise<Map<string, RawEvent[]>>;
  all: Promise<RawEvent[]>;
};

type UserKey = { range: DayRange; distinctId: string };
type ProjectKey = { range: DayRange; names: string[] };

const covers = (outer: DayRange, inner: DayRange): boolean => outer.from <= inner.from && outer.to >= inner.to;
const inRange =
  (range: DayRange) =>
  (event: RawEvent): boolean =>
    event.timeMs >= range.from * DAY_MS && event.timeMs < (range.to + 1) * DAY_MS;

/** Groups keys whose day ranges overlap or touch; each group is fetched as one export over the union of its days. */
function clusters<K extends { range: DayRange }>(keys: readonly K[]): Array<{ range: DayRange; keys: K[] }> {
  const sorted = [...keys].sort((a, b) => a.range.from - b.range.from);
  const groups: Array<{ range: DayRange; keys: K[] }> = [];
  for (const key of sorted) {
    const last = groups[groups.length - 1];
    if (last && key.range.from <= last.range.to + 1) {
      last.range = { from: last.range.from, to: Math.max(last.range.to, key.range.to) };
      last.keys.push(key);
    } else {
      groups.push({ range: { ...key.range }, keys: [key] });
    }
  }
  return groups;
}

function groupByUser(events: readonly RawEvent[]): Map<string, RawEvent[]> {
  const map = new Map<string, RawEvent[]>();
  for (const event of events) {
    const list = map.get(event.distinctId);
    if (list) list.push(event);
    else map.set(event.distinctId, [event]);
  }
  return map;
}

/** Settles every promise, handing DataLoader an Error for each key that failed (the others still resolve). */
const settle = <T>(promises: Array<Promise<T>>): Promise<Array<T | Error>> =>
  Promise.all(promises.map((promise) => promise.catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))))));

/**
 * The per-request loaders. Every load in one tick becomes as few exports as possible: customers' events come
 * from one export per batch of distinct ids (`where properties["distinct_id"] in [...]`) over the union of the
 * days asked for, project-wide events from one export per day range with the union of the event names.
 * Every export is kept for the rest of the request, so a later field whose days and users it covers costs
 * no request. Events are not put in the kit's entity cache: they are a stream, not entities with a key.
 */
export function createLoaders(client: AnalyticsClient, tools: Pick<LoaderTools, 'maxBatchSize'>, options: LoaderOptions = {}) {
  // With batching switched off (to measure its worth) every customer costs its own export.
  const batchSize = tools.maxBatchSize(options.exportBatchSize ?? EXPORT_BATCH);
  const exports: Export[] = [];

  const remember = (range: DayRange, distinctIds: Export['distinctIds'], names: Export['names'], fetch: Promise<RawEvent[]>): Export => {
    // Failures reach callers through the derived promises; this keeps a failed export from being unhandled.
    fetch.catch(() => undefined);
    const entry: Export = { range, distinctIds, names, all: fetch, byUser: fetch.then(groupByUser) };
    entry.byUser.catch(() => undefined);
    exports.push(entry);
    return entry;
  };

  const userEvents = new DataLoader<string, RawEvent[]>(async (keys) => {
    const parsed = keys.map((key): UserKey => {
      const [from, to, ...rest] = key.split(':');
      return { range: { from: Number(from), to: Number(to) }, distinctId: rest.join(':') };
    });
    const results: Array<Promise<RawEvent[]>> = new Array(parsed.length);
    const answer = (index: number, entry: Export) => {
      const key = parsed[index]!;
      results[index] = entry.byUser.then((map) => (map.get(key.distinctId) ?? []).filter(inRange(key.range)));
    };
    const pending: Array<UserKey & { index: number }> = [];
    parsed.forEach((key, index) => {
      const known = exports.find(
        (entry) =>
          entry.names === 'all' && covers(entry.range, key.range) && (entry.distinctIds === 'all' || entry.distinctIds.has(key.distinctId)),
      );
      if (known) answer(index, known);
      else pending.push({ ...key, index });
    });
    for (const group of clusters(pending)) {
      const ids = [...new Set(group.keys.map((key) => key.distinctId))];
      for (const slice of chunk(ids, batchSize)) {
        const entry = remember(
          group.range,
          new Set(slice),
          'all',
          client.exportEvents({
            fromDate: dayString(group.range.from),
            toDate: dayString(group.range.to),
            where: toDistinctIdWhere(slice),
          }),
        );
        for (const key of group.keys) if (entry.distinctIds !== 'all' && entry.distinctIds.has(key.distinctId)) answer(key.index, entry);
      }
    }
    return settle(results);
  });

  const projectEvents = new DataLoader<string, RawEvent[]>(async (keys) => {
    const parsed = keys.map((key): ProjectKey => {
      const [from, to, names] = JSON.parse(key) as [number, number, string[]];
      return { range: { from, to }, names };
    });
    const results: Array<Promise<RawEvent[]>> = new Array(parsed.length);
    const answer = (index: number, entry: Export) => {
      const key = parsed[index]!;
      const names = new Set(key.names);
      results[index] = entry.all.then((events) => events.filter((event) => names.has(event.name)).filter(inRange(key.range)));
    };
    const pending: Array<ProjectKey & { index: number }> = [];
    parsed.forEach((key, index) => {
      const known = exports.find(
        (entry) =>
          entry.distinctIds === 'all' &&
          covers(entry.range, key.range) &&
          (entry.names === 'all' || key.names.every((name) => (entry.names as ReadonlySet<string>).has(name))),
      );
      if (known) answer(index, known);
      else pending.push({ ...key, index });
    });
    for (const group of clusters(pending)) {
      const names = [...new Set(group.keys.flatMap((key) => key.names))].sort();
      const entry = remember(
        group.range,
        'all',
        new Set(names),
        client.exportEvents({ fromDate: dayString(group.range.from), toDate: dayString(group.range.to), events: names }),
      );
      for (const key of group.keys) answer(key.index, entry);
    }
    return settle(results);
  });

  const { readModel } = options;
  // Asked once per request, and only when a field needs it.
  let status: Promise<ReadModelStatus | undefined> | undefined;
  /**
   * Whether the read model answers this window: synced at least once, and reaching back to its start. When it
   * cannot say (the database away), the window goes to Mixpanel as without the sync: paced by the quota, but right.
   */
  const stored = async (window: Window): Promise<boolean> => {
    if (!readModel) return false;
    status ??= readModel.status().catch(() => undefined);
    const known = await status;
    return known?.syncedThroughMs != null && known.coveredFromMs != null && window.sinceMs >= known.coveredFromMs;
  };

  // Keyed by window then person: one query per window for every person asked about in the tick.
  const storedUserEvents = new DataLoader<string, RawEvent[]>(async (keys) => {
    const byWindow = new Map<string, string[]>();
    for (const key of keys) {
      const [since, until, ...rest] = key.split(':');
      const windowKey = `${since}:${until}`;
      const ids = byWindow.get(windowKey);
      if (ids) ids.push(rest.join(':'));
      else byWindow.set(windowKey, [rest.join(':')]);
    }
    const answers = new Map<string, Promise<Map<string, RawEvent[]>>>();
    for (const [windowKey, ids] of byWindow) {
      const [since, until] = windowKey.split(':').map(Number) as [number, number];
      answers.set(windowKey, readModel!.eventsOf(ids, { sinceMs: since, untilMs: until }));
    }
    return settle(
      keys.map(async (key) => {
        const [since, until, ...rest] = key.split(':');
        return (await answers.get(`${since}:${until}`)!).get(rest.join(':')) ?? [];
      }),
    );
  });
  const storedProjectEvents = new DataLoader<string, RawEvent[]>(async (keys) =>
    settle(
      keys.map((key) => {
        const [sinceMs, untilMs, names] = JSON.parse(key) as [number, number, string[]];
        return readModel!.eventsNamed(names, { sinceMs, untilMs });
      }),
    ),
  );

  return {
    /** A user's events inside the window, in time order; no request when the window lies in the future. */
    async eventsOf(distinctId: string, window: Window, now: number): Promise<RawEvent[]> {
      if (await stored(window)) return storedUserEvents.load(`${window.sinceMs}:${window.untilMs}:${distinctId}`);
      const range = toDayRange(window, now);
      if (!range) return [];
      const events = await userEvents.load(`${range.from}:${range.to}:${distinctId}`);
      return events.filter(inWindow(window));
    },
    /** Every user's events of these names inside the window, in time order. */
    async projectEventsOf(names: readonly string[], window: Window, now: number): Promise<RawEvent[]> {
      const range = toDayRange(window, now);
      if (!range || names.length === 0) return [];
      if (await stored(window))
        return storedProjectEvents.load(JSON.stringify([window.sinceMs, window.untilMs, [...new Set(names)].sort()]));
      const events = await projectEvents.load(JSON.stringify([range.from, range.to, [...new Set(names)].sort()]));
      return events.filter(inWindow(window));
    },
  };
}

export type AnalyticsLoaders = ReturnType<typeof createLoaders>;
