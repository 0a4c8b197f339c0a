import { describe, expect, it } from 'vitest';
import type { AnalyticsReadModel, ReadModelStatus } from '../../../platform/index.js';
import type { AnalyticsClient, ExportQuery } from '../../../subgraphs/analytics/client.js';
import { createLoaders } from '../../../subgraphs/analytics/loaders.js';
import type { RawEvent } from '../../../subgraphs/analytics/wire.js';

const DAY = 24 * 3600 * 1000;
const NOW = Date.UTC(2026, 10, 30, 12);
const event = (distinctId: string, timeMs: number, name = 'Login'): RawEvent => ({
  name,
  timeMs,
  distinctId,
  insertId: `${distinctId}-${timeMs}`,
  properties: {},
});

/** A client that answers every export with the same events and counts the exports. */
function fakeClient(events: RawEvent[]) {
  const exports: ExportQuery[] = [];
  const client = {
    exportEvents: async (query: ExportQuery) => {
      exports.push(query);
      return events;
    },
  } as unknown as AnalyticsClient;
  return { client, exports };
}

/** A read model over a list, counting reads; `status` as given (or failing). */
function fakeReadModel(events: RawEvent[], status: ReadModelStatus | Error) {
  const reads: string[] = [];
  const readModel: AnalyticsReadModel = {
    status: async () => {
      if (status instanceof Error) throw status;
      return status;
    },
    async eventsOf(ids, window) {
      reads.push(`people:${ids.join(',')}`);
      const map = new Map<string, RawEvent[]>();
      for (const item of events) {
        if (!ids.includes(item.distinctId) || item.timeMs < window.sinceMs || item.timeMs >= window.untilMs) continue;
        map.set(item.distinctId, [...(map.get(item.distinctId) ?? []), item]);
      }
      return map;
    },
    async eventsNamed(names, window) {
      reads.push(`names:${names.join(',')}`);
      return events.filter((item) => names.includes(item.name) && item.timeMs >= window.sinceMs && item.timeMs < window.untilMs);
    },
    record: async () => {},
  };
  return { readModel, reads };
}

const tools = { maxBatchSize: (max: number) => max };
const events = [event('ada@example.com', NOW - 2 * DAY), event('bob@example.com', NOW - 3 * DAY, 'Purchase')];
const synced: ReadModelStatus = { syncedThroughMs: NOW - 60_000, coveredFromMs: NOW - 90 * DAY };

describe('analytics loaders with the read model', () => {
  it('answers every person of a tick with one read and no export when the read model covers the window', async () => {
    const { client, exports } = fakeClient(events);
    const { readModel, reads } = fakeReadModel(events, synced);
    const loaders = createLoaders(client, tools, { readModel });
    const window = { sinceMs: NOW - 30 * DAY, untilMs: NOW };
    const [ada, bob, eve] = await Promise.all(
      ['ada@example.com', 'bob@example.com', 'eve@example.com'].map((id) => loaders.eventsOf(id, window, NOW)),
    );
    expect(ada).toEqual([events[0]]);
    expect(bob).toEqual([events[1]]);
    expect(eve).toEqual([]);
    expect(await loaders.projectEventsOf(['Purchase'], window, NOW)).toEqual([events[1]]);
    expect(reads).toEqual(['people:ada@example.com,bob@example.com,eve@example.com', 'names:Purchase']);
    expect(exports).toHaveLength(0);
  });

  it('exports as without the sync for a window older than the read model, before the first sync, or when it cannot say', async () => {
    for (const [status, window] of [
      [synced, { sinceMs: NOW - 120 * DAY, untilMs: NOW }],
      [
        { syncedThroughMs: null, coveredFromMs: null },
        { sinceMs: NOW - 30 * DAY, untilMs: NOW },
      ],
      [new Error('database away'), { sinceMs: NOW - 30 * DAY, untilMs: NOW }],
    ] as const) {
      const { client, exports } = fakeClient(events);
      const { readModel, reads } = fakeReadModel(events, status);
      const loaders = createLoaders(client, tools, { readModel });
      expect(await loaders.eventsOf('ada@example.com', window, NOW)).toEqual([events[0]]);
      expect(exports).toHaveLength(1);
      expect(reads).toEqual([]);
    }
  });
});
