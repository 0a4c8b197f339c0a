import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMixpanelEmulator, type MixpanelEmulator } from '../../emulators/mixpanel/index.js';
import { createAnalyticsReadModel, createAnalyticsSync, type AnalyticsSync } from '../../events/index.js';
import { EVENT_MIGRATIONS } from '../../events/migrations.js';
import { createLogger, migrate, type AnalyticsExportSource, type AnalyticsReadModel } from '../../platform/index.js';
import { createExportSource, readAnalyticsConfig } from '../../subgraphs/analytics/index.js';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../kit/database.js';

const log = createLogger({ name: 'test', level: 'silent' });
const DAY = 24 * 3600 * 1000;
const INTERVAL = 60_000;
const at = (iso: string): number => Date.parse(iso);
const kinds = await databaseKinds();

describe.each(kinds)('analytics read model sync on %s', (kind) => {
  let database: TestDatabase;
  let emulator: MixpanelEmulator;
  let source: AnalyticsExportSource;
  let readModel: AnalyticsReadModel;
  let sync: AnalyticsSync;
  // One clock for the emulator (ingestion checks, export quota) and the sync (days, slot, syncedThrough).
  let clock = at('2026-11-30T23:50:00Z');
  const now = () => clock;
  const exports = () => emulator.requests.count({ path: '/api/2.0/export' });

  async function importEvents(events: Array<{ event: string; properties: Record<string, unknown> }>, strict = true) {
    const account = emulator.project.serviceAccounts[0]!;
    const response = await fetch(`${emulator.url}/import?strict=${strict ? 1 : 0}&project_id=${emulator.project.id}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${account.username}:${account.secret}`).toString('base64')}`,
      },
      body: JSON.stringify(events),
    });
    expect(response.status).toBe(200);
  }

  /** What Mixpanel's reports would count for a person in a window: the raw store, copies of one key once. */
  function truth(distinctId: string, sinceMs: number, untilMs: number): string[] {
    const keys = new Set<string>();
    const unkeyed: string[] = [];
    for (const event of emulator.events()) {
      if (event.properties['distinct_id'] !== distinctId || event.timeMs < sinceMs || event.timeMs >= untilMs) continue;
      const insertId = event.properties['$insert_id'];
      if (typeof insertId === 'string') keys.add(`${event.event}|${event.timeMs}|${insertId}`);
      else unkeyed.push(`${event.event}|${event.timeMs}|-`);
    }
    return [...keys, ...unkeyed].sort();
  }
  const stored = async (distinctId: string, sinceMs: number, untilMs: number) =>
    ((await readModel.eventsOf([distinctId], { sinceMs, untilMs })).get(distinctId) ?? [])
      .map((event) => `${event.name}|${event.timeMs}|${event.insertId ?? '-'}`)
      .sort();

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    await migrate(database.db, 'events', EVENT_MIGRATIONS);
    emulator = createMixpanelEmulator({ clock: now });
    const url = await emulator.listen(0);
    const account = emulator.project.serviceAccounts[0]!;
    source = createExportSource({
      config: {
        ...readAnalyticsConfig({}),
        baseUrl: url,
        exportUrl: url,
        projectId: emulator.project.id,
        serviceAccount: { username: account.username, secret: account.secret },
      },
      log,
    });
    readModel = createAnalyticsReadModel(database.db);
    sync = createAnalyticsSync({ db: database.db, source, log, intervalMs: INTERVAL, backfillDays: 40, overlapDays: 1, now });
  }, 60_000);

  afterAll(async () => {
    await sync?.stop();
    await source?.close?.();
    await emulator?.close();
    await database?.drop();
  });

  it('backfills with one export and reports how far it reaches', async () => {
    expect(await readModel.status()).toEqual({ syncedThroughMs: null, coveredFromMs: null });
    const outcome = await sync.runOnce();
    expect(outcome).toMatchObject({ status: 'synced', fromDay: '2026-10-21', toDay: '2026-11-30' });
    expect(exports()).toBe(1);
    expect(await readModel.status()).toEqual({ syncedThroughMs: clock, coveredFromMs: at('2026-10-21T00:00:00Z') });
    // Every person the seed gave October events: the read model holds exactly Mixpanel's deduplicated events.
    const people = [...new Set(emulator.events().map((event) => String(event.properties['distinct_id'])))].slice(0, 40);
    for (const person of people) {
      expect(await stored(person, at('2026-10-21T00:00:00Z'), clock)).toEqual(truth(person, at('2026-10-21T00:00:00Z'), clock));
    }
  });

  it('spends no second export inside the interval, whoever asks', async () => {
    const other = createAnalyticsSync({ db: database.db, source, log, intervalMs: INTERVAL, backfillDays: 40, overlapDays: 1, now });
    const outcomes = await Promise.all([sync.runOnce(), other.runOnce(), sync.runOnce()]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['waiting', 'waiting', 'waiting']);
    expect(outcomes[0]).toEqual({ status: 'waiting', nextAtMs: clock + INTERVAL });
    expect(exports()).toBe(1);
  });

  it('crosses a day boundary: re-reads the overlap, keeps each event once, takes late ones inside the overlap', async () => {
    const person = 'day-boundary@example.com';
    await importEvents([
      { event: 'Late Night', properties: { distinct_id: person, time: at('2026-11-30T23:55:00Z'), $insert_id: 'late-night-1' } },
      { event: 'Late Night', properties: { distinct_id: person, time: at('2026-11-30T23:55:00Z'), $insert_id: 'late-night-1' } },
    ]);
    await importEvents([{ event: 'No Id', properties: { distinct_id: person, time: at('2026-11-30T23:56:00Z') } }], false);
    clock = at('2026-12-01T00:01:00Z');
    await importEvents([
      { event: 'New Day', properties: { distinct_id: person, time: at('2026-12-01T00:00:30Z'), $insert_id: 'new-day-1' } },
      // Arrived late, inside the overlap (yesterday) and outside it (three days ago).
      { event: 'Offline', properties: { distinct_id: person, time: at('2026-11-30T12:00:00Z'), $insert_id: 'offline-1' } },
      { event: 'Offline', properties: { distinct_id: person, time: at('2026-11-28T12:00:00Z'), $insert_id: 'offline-2' } },
    ]);
    const outcome = await sync.runOnce();
    expect(outcome).toMatchObject({ status: 'synced', fromDay: '2026-11-29', toDay: '2026-12-01' });
    const window = [at('2026-11-01T00:00:00Z'), at('2026-12-02T00:00:00Z')] as const;
    expect(await stored(person, ...window)).toEqual([
      `Late Night|${at('2026-11-30T23:55:00Z')}|late-night-1`,
      `New Day|${at('2026-12-01T00:00:30Z')}|new-day-1`,
      `No Id|${at('2026-11-30T23:56:00Z')}|-`,
      `Offline|${at('2026-11-30T12:00:00Z')}|offline-1`,
    ]);
    expect(await stored(person, ...window)).toEqual(truth(person, at('2026-11-29T00:00:00Z'), window[1]));
    // The next interval re-reads the same days: nothing doubles, the unkeyed event included.
    clock += INTERVAL;
    expect(await sync.runOnce()).toMatchObject({ status: 'synced', fromDay: '2026-11-30', toDay: '2026-12-01' });
    expect(await stored(person, ...window)).toHaveLength(4);
    expect(exports()).toBe(3);
    expect((await readModel.status()).coveredFromMs).toBe(at('2026-10-21T00:00:00Z'));
  });

  it('shows recorded (tracked) events at once and stores them once when the export brings them', async () => {
    const person = 'tracked@example.com';
    const event = { event: 'Tracked', properties: { distinct_id: person, time: clock - 1000, $insert_id: 'tracked-1', plan: 'pro' } };
    await importEvents([event]);
    await readModel.record([
      { name: 'Tracked', timeMs: clock - 1000, distinctId: person, insertId: 'tracked-1', properties: { plan: 'pro' } },
    ]);
    expect(await stored(person, clock - DAY, clock + DAY)).toEqual([`Tracked|${clock - 1000}|tracked-1`]);
    clock += INTERVAL;
    expect((await sync.runOnce()).status).toBe('synced');
    expect(await stored(person, clock - DAY, clock + DAY)).toEqual([`Tracked|${clock - INTERVAL - 1000}|tracked-1`]);
  });

  it('keeps properties byte for byte, U+0000 and lone surrogates included, and reads hostile ids', async () => {
    const person = 'we"ird\\,{}@example.com';
    const properties = { nul: 'a\u0000b', lone: '\ud800', nested: { list: [1, 'two', null] } };
    await readModel.record([{ name: 'Odd', timeMs: clock, distinctId: person, insertId: 'odd-1', properties }]);
    const [event] = (await readModel.eventsOf([person, 'nul\u0000id'], { sinceMs: clock, untilMs: clock + 1 })).get(person)!;
    expect(event!.properties).toEqual(properties);
    // A name with U+0000 cannot be stored; it is skipped, not a failed write.
    await expect(
      readModel.record([{ name: 'bad\u0000name', timeMs: clock, distinctId: person, insertId: 'odd-2', properties: {} }]),
    ).resolves.toBeUndefined();
  });

  it('spends the slot on a failed export and keeps the cursor for the next interval', async () => {
    const failing = createAnalyticsSync({
      db: database.db,
      source: { vendor: 'mixpanel', exportDays: () => Promise.reject(new Error('mixpanel is down')) },
      log,
      intervalMs: INTERVAL,
      backfillDays: 40,
      overlapDays: 1,
      now,
    });
    clock += INTERVAL;
    const before = await readModel.status();
    expect(await failing.runOnce()).toEqual({ status: 'failed', error: 'mixpanel is down' });
    expect(await sync.runOnce()).toMatchObject({ status: 'waiting' });
    expect(await readModel.status()).toEqual(before);
    const { rows } = await database.db.query<{ last_error: string }>("SELECT last_error FROM analytics_sync WHERE vendor = 'mixpanel'");
    expect(rows[0]!.last_error).toBe('mixpanel is down');
    clock += INTERVAL;
    expect((await sync.runOnce()).status).toBe('synced');
  });
});
