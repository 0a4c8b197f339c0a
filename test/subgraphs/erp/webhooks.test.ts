/**
 * The ERP change reader against the ERP emulator over SOAP (the subgraph's own client), with both clocks in the
 * test's hands: the emulator's, which stamps Last_Modified_Date_Time on every write, and the reader's. Ties,
 * clock skew, a clock stepped back and a write behind the bookmark of a paged scan: every version is read once.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createErpSoapEmulator, DEFAULT_ERP_USER, type ErpSoapEmulator } from '../../../emulators/erp-soap/index.js';
import { createLogger, type CatchUpCursor, type VendorEvent } from '../../../platform/index.js';
import { createErpClient, type ErpClient } from '../../../subgraphs/erp/client.js';
import { readErpConfig } from '../../../subgraphs/erp/config.js';
import {
  createErpAdapter,
  createErpChangeReader,
  ErpFeedError,
  toErpVendorEvent,
  type ErpChangeReaderOptions,
} from '../../../subgraphs/erp/webhooks.js';

// The emulator checks WS-Security's Created (the real clock) against its own: keep its clock near real time.
const START = Math.floor(Date.now() / 1000) * 1000;
const erpClock = { now: START };
let erp: ErpSoapEmulator;
let client: ErpClient;

beforeAll(async () => {
  erp = createErpSoapEmulator({ clock: () => erpClock.now, tokenMaxAgeMs: 3_600_000, tokenFutureSkewMs: 3_600_000 });
  await erp.listen(0);
  await erp.ready;
  client = await createErpClient({
    baseUrl: erp.url,
    company: erp.company,
    credentials: DEFAULT_ERP_USER,
    policy: readErpConfig({}).policy,
    log: createLogger({ name: 'test', level: 'silent' }),
  });
});

afterAll(async () => {
  await client?.close();
  await erp?.close();
});

afterEach(() => {
  erpClock.now = START;
});

/** Changes a customer's City over SOAP, as a user of the ERP would; returns the new Key. */
async function touch(no: string, city: string): Promise<string> {
  const current = await client.read('Customer', no);
  const updated = await client.update('Customer', { Key: String(current!.Key), City: city });
  return String(updated.Key);
}

/** A reader over the emulator, and a `poll` that keeps the cursor as the pipeline would. */
function reader(options: ErpChangeReaderOptions & { readerClock?: { now: number } } = {}) {
  const readerClock = options.readerClock ?? erpClock;
  const changes = createErpChangeReader(client, { pages: ['Customer'], now: () => readerClock.now, ...options });
  let cursor: CatchUpCursor = null;
  const all: VendorEvent[] = [];
  return {
    all,
    async poll(): Promise<VendorEvent[]> {
      const events: VendorEvent[] = [];
      for (let more = true; more;) {
        const page = await changes.catchUp(cursor);
        cursor = page.cursor;
        events.push(...page.events);
        more = page.more;
      }
      all.push(...events);
      return events;
    },
    get cursor() {
      return cursor;
    },
  };
}

const cities = (events: readonly VendorEvent[]) =>
  events.map((event) => `${(event.change.fields as { No: string }).No}:${(event.change.fields as { City: string }).City}`);

describe('ERP change reader', () => {
  test('the first poll reads the changes of the lookback window only, as CustomerChanged with number, e-mail and tag', async () => {
    erpClock.now = START + 1000;
    await touch('C00001', 'First');
    const feed = reader();
    const events = await feed.poll();
    expect(cities(events)).toEqual(['C00001:First']);
    const [event] = events;
    expect(event).toMatchObject({
      vendor: 'erp',
      type: 'Customer.modified',
      entity: 'customer:C00001',
      occurredAt: new Date(START + 1000),
      change: { kind: 'CustomerChanged', source: 'erp', erpCustomerNumber: 'C00001', tags: ['Customer:C00001'] },
    });
    expect(event!.change.email).toMatch(/@/);
    expect(event!.id).toMatch(/^Customer:C00001:/);
    expect(await feed.poll()).toEqual([]);
  });

  test('writes that tie on one timestamp are all read, across polls, none twice', async () => {
    const feed = reader();
    await feed.poll();
    erpClock.now = START + 5000; // the emulator keeps whole seconds: these share one Last_Modified_Date_Time
    await touch('C00002', 'Tie-A');
    await touch('C00003', 'Tie-B');
    expect(cities(await feed.poll())).toEqual(['C00002:Tie-A', 'C00003:Tie-B']);
    // Same second again, after the reader's mark reached it: one more record, and a second write of one read.
    await touch('C00004', 'Tie-C');
    await touch('C00002', 'Tie-A2');
    expect(cities(await feed.poll()).sort()).toEqual(['C00002:Tie-A2', 'C00004:Tie-C']);
    expect(await feed.poll()).toEqual([]);
    expect(new Set(feed.all.map((event) => event.id)).size).toBe(feed.all.length);
  });

  test("the ERP's clock ahead of or behind ours loses nothing and repeats nothing", async () => {
    for (const skew of [+10 * 60_000, -10 * 60_000]) {
      const readerClock = { now: START + 20_000 - skew };
      erpClock.now = START + 20_000;
      const feed = reader({ readerClock, initialLookbackMs: 60 * 60_000 });
      await feed.poll();
      feed.all.length = 0;
      for (let step = 1; step <= 3; step++) {
        erpClock.now += 1000;
        readerClock.now += 1000;
        await touch(`C0001${step}`, `Skew${skew}-${step}`);
        expect(cities(await feed.poll())).toEqual([`C0001${step}:Skew${skew}-${step}`]);
      }
      expect(await feed.poll()).toEqual([]);
    }
  });

  test('a write stamped before the mark (a clock stepped back, a late commit) is read within the overlap', async () => {
    const feed = reader({ overlapMs: 10_000 });
    await feed.poll();
    erpClock.now = START + 40_000;
    await touch('C00021', 'Before');
    expect(cities(await feed.poll())).toEqual(['C00021:Before']);
    erpClock.now = START + 35_000; // five seconds back
    await touch('C00022', 'Stepped-back');
    expect(cities(await feed.poll())).toEqual(['C00022:Stepped-back']);
    expect(await feed.poll()).toEqual([]);

    // Without an overlap the same write is lost: the overlap is what catches it.
    const bare = reader({ overlapMs: 0 });
    await bare.poll();
    erpClock.now = START + 60_000;
    await touch('C00023', 'Before');
    await bare.poll();
    erpClock.now = START + 55_000;
    await touch('C00024', 'Lost');
    expect(cities(await bare.poll())).toEqual([]);
  });

  test('a record written behind the bookmark during a paged scan is read by the next poll', async () => {
    erpClock.now = START + 80_000;
    for (const no of ['C00033', 'C00034', 'C00035']) await touch(no, 'Paged');
    let injected = false;
    // After the first page (C00033, C00034), someone writes C00031 (behind the bookmark) and C00039 (ahead).
    const racing = {
      async readPage(...args: Parameters<ErpClient['readPage']>) {
        const records = await client.readPage(...args);
        if (args[3] === undefined && !injected) {
          injected = true;
          erpClock.now = START + 81_000;
          await touch('C00031', 'Behind');
          erpClock.now = START + 82_000;
          await touch('C00039', 'Ahead');
        }
        return records;
      },
    };
    const readerClock = { now: START + 80_500 };
    const changes = createErpChangeReader(racing, {
      pages: ['Customer'],
      now: () => readerClock.now,
      overlapMs: 0,
      pageSize: 2,
      initialLookbackMs: 1000,
    });
    const first = await changes.catchUp(null);
    expect(cities(first.events)).toEqual(['C00033:Paged', 'C00034:Paged', 'C00035:Paged', 'C00039:Ahead']);
    readerClock.now = START + 90_000;
    const second = await changes.catchUp(first.cursor);
    expect(cities(second.events)).toEqual(['C00031:Behind']);
  });

  test('a run stopped by maxRecords goes on from its bookmark and moves the mark only when the scan is complete', async () => {
    erpClock.now = START + 100_000;
    const numbers = ['C00041', 'C00042', 'C00043', 'C00044', 'C00045'];
    for (const no of numbers) await touch(no, 'Bulk');
    const changes = createErpChangeReader(client, {
      pages: ['Customer'],
      now: () => erpClock.now,
      pageSize: 2,
      maxRecords: 2,
      initialLookbackMs: 1000,
      overlapMs: 0,
    });
    let cursor: CatchUpCursor = null;
    const seen: string[] = [];
    let runs = 0;
    for (let more = true; more; runs++) {
      const page = await changes.catchUp(cursor);
      seen.push(...cities(page.events));
      cursor = page.cursor;
      more = page.more;
    }
    expect(seen).toEqual(numbers.map((no) => `${no}:Bulk`));
    expect(runs).toBe(3);
  });

  test('a cursor it did not write, and a record without Last_Modified_Date_Time, are clear errors', async () => {
    const changes = createErpChangeReader(client);
    await expect(changes.catchUp('12345')).rejects.toThrow(ErpFeedError);
    await expect(changes.catchUp('12345')).rejects.toThrow(/catch_up_cursors/);
    await expect(changes.catchUp('{"v":1,"pages":{"Customer":{"mark":"soon","seen":{}}}}')).rejects.toThrow(ErpFeedError);
    expect(() => toErpVendorEvent('Customer', { No: 'C1', Key: 'k' })).toThrow(/Last_Modified_Date_Time/);
  });

  test('sales orders become OrderChanged tagged with the order and its customer', async () => {
    erpClock.now = START + 120_000;
    const [order] = await client.readPage('SalesOrder', [], 1);
    await client.update('SalesOrder', { Key: String(order!.Key), External_Document_No: 'PO-FEED-1' });
    const changes = createErpChangeReader(client, { pages: ['SalesOrder'], now: () => erpClock.now });
    const { events } = await changes.catchUp(null);
    expect(events).toHaveLength(1);
    const customer = String(order!.Sell_to_Customer_No);
    expect(events[0]).toMatchObject({
      type: 'SalesOrder.modified',
      entity: `salesorder:${String(order!.No)}`,
      change: { kind: 'OrderChanged', erpCustomerNumber: customer, tags: [`Order:${String(order!.No)}`, `Customer:${customer}`] },
    });
  });

  test('the adapter is poll-only: no verify, a poll interval, catch-up through the reader', async () => {
    const adapter = createErpAdapter({ reader: client, pages: ['Customer'], pollIntervalMs: 1234, now: () => erpClock.now });
    expect(adapter.verify).toBeUndefined();
    expect(adapter.pollIntervalMs).toBe(1234);
    const page = await adapter.catchUp!(null);
    expect(page.more).toBe(false);
    await adapter.close?.();
  });
});
