/**
 * The ERP's side of the event pipeline. NAV has no webhooks: its pages carry the time of each record's last
 * write (Last_Modified_Date_Time), and changes are found by polling ReadMultiple with a filter on it from a
 * stored high-water mark. So this adapter has no `verify`, only a catch-up reader and a poll interval; the
 * launcher hands `createErpAdapter` to events/, which runs it through the same reconcile path as the others.
 *
 * Nothing is missed or read twice, though timestamps tie (several writes in one tick), clocks differ (ours and
 * the ERP's), a commit can become visible after a later one, and NAV cannot sort ReadMultiple by the date:
 * - each read starts `overlapMs` before the mark, so late commits and a clock stepped back are still found;
 * - the versions already read in that window (record No + a digest of its Key, which NAV changes on every
 *   write) are kept in the cursor and skipped, so the overlap and ties are never read twice;
 * - ReadMultiple answers in No order, paged by bookmark; the mark only moves once the whole filtered set has
 *   been read, and never past the time (our clock) the scan started, so a record written behind the bookmark
 *   during a long scan is found by the next one.
 * Deletions leave no record to find: NAV pages do not show them.
 */
import { createHash } from 'node:crypto';
import type { CatchUpCursor, CatchUpPage, DomainChange, Logger, VendorAdapter, VendorEvent } from '../../platform/index.js';
import type { PolicySettings } from '../kit/index.js';
import { createErpClient, type ErpClient } from './client.js';
import type { ErpCredentials } from './config.js';
import type { NavFilter } from './filters.js';
import { fieldText } from './mapping.js';
import type { NavRecord } from './wire.js';

/** The pages whose changes are followed. */
export type ErpFeedPage = 'Customer' | 'SalesOrder';
export const ERP_FEED_PAGES: readonly ErpFeedPage[] = ['Customer', 'SalesOrder'];

/** The page field the reader filters on: the date-time of the record's last write. */
export const LAST_MODIFIED_FIELD = 'Last_Modified_Date_Time';

/** What the reader needs of the ERP client: one ReadMultiple page. */
export type ErpPageReader = Pick<ErpClient, 'readPage'>;

export type ErpChangeReaderOptions = {
  /** Current time in ms since the epoch (our clock, not the ERP's); default Date.now. */
  now?: () => number;
  /** Pages followed; default Customer and SalesOrder. */
  pages?: readonly ErpFeedPage[];
  /**
   * How far before the mark each read starts, in ms: the clock difference and commit delay tolerated; default
   * 30,000. Versions read in this window are remembered in the cursor, so a larger window costs reads, never
   * duplicates.
   */
  overlapMs?: number;
  /** Where the very first read starts, back from now, in ms; default 24 hours. */
  initialLookbackMs?: number;
  /** Records per ReadMultiple call (setSize); default 200. */
  pageSize?: number;
  /** Most records read in one catch-up call over all pages; beyond it the reader says `more`; default 2,000. */
  maxRecords?: number;
};

/** One page's place: the mark, the versions read since `mark - overlap`, and an unfinished scan if any. */
type PageCursor = {
  /** ms since the epoch. */
  mark: number;
  /** `No|digest of Key` -> the version's Last_Modified_Date_Time in ms. */
  seen: Record<string, number>;
  /** A scan cut short by `maxRecords`: its filter start, the last Key read, the newest time seen, when it began. */
  scan?: { from: number; bookmark: string; max: number; started: number };
};

type ErpCursor = { v: 1; pages: Partial<Record<ErpFeedPage, PageCursor>> };

/** Raised for a cursor this reader did not write, or a record without the fields the reader depends on. */
export class ErpFeedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ErpFeedError';
  }
}

function parseCursor(cursor: CatchUpCursor): ErpCursor {
  if (cursor === null) return { v: 1, pages: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(cursor);
  } catch {
    parsed = undefined;
  }
  const candidate = parsed as Partial<ErpCursor> | undefined;
  const isPlace = (place: unknown): boolean => {
    const value = place as Partial<PageCursor> | null;
    return (
      typeof value === 'object' &&
      value !== null &&
      Number.isFinite(value.mark) &&
      typeof value.seen === 'object' &&
      value.seen !== null &&
      Object.values(value.seen).every(Number.isFinite) &&
      (value.scan === undefined ||
        (typeof value.scan.bookmark === 'string' && [value.scan.from, value.scan.max, value.scan.started].every(Number.isFinite)))
    );
  };
  if (
    candidate?.v !== 1 ||
    typeof candidate.pages !== 'object' ||
    candidate.pages === null ||
    !Object.values(candidate.pages).every(isPlace)
  ) {
    throw new ErpFeedError(
      'The stored ERP catch-up cursor is not one this version wrote: delete the row of vendor "erp" in catch_up_cursors to start again from ERP_POLL_INITIAL_LOOKBACK_MS.',
    );
  }
  return candidate as ErpCursor;
}

const digest = (key: string): string => createHash('sha256').update(key).digest('base64url').slice(0, 16);

/** NAV's DateTime in a filter: ISO 8601 in UTC, which NAV's web services read in any culture. */
const navDateTime = (ms: number): string => new Date(ms).toISOString();

function modifiedAt(page: ErpFeedPage, record: NavRecord): number {
  const text = fieldText(record, LAST_MODIFIED_FIELD);
  const ms = Date.parse(text);
  if (text === '' || Number.isNaN(ms)) {
    throw new ErpFeedError(
      `The ERP's ${page} page returned a record without a readable ${LAST_MODIFIED_FIELD} ("${text}"): publish the field on the page (NAV: add it to the page's web service).`,
    );
  }
  return ms;
}

/** A page record's fields as reported, without its Key (a bookmark, not data) and nested lists. */
function reportedFields(record: NavRecord): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(record)) {
    if (name === 'Key' || name === 'attributes') continue;
    fields[name] = typeof value === 'object' && value !== null ? value : fieldText(record, name);
  }
  return fields;
}

/**
 * One version of an ERP record as a vendor event. The id names the version (No, write time, Key digest), so a
 * re-read is recognized by the log and a second write in the same tick is not. Customers become
 * `CustomerChanged` with the ERP customer number and e-mail, which is how sync links them to CRM contacts.
 */
export function toErpVendorEvent(page: ErpFeedPage, record: NavRecord, modified = modifiedAt(page, record)): VendorEvent {
  const no = fieldText(record, 'No');
  const key = fieldText(record, 'Key');
  if (no === '' || key === '') throw new ErpFeedError(`The ERP's ${page} page returned a record without No or Key.`);
  const occurredAt = new Date(modified);
  const fields = reportedFields(record);
  let change: DomainChange;
  if (page === 'Customer') {
    const email = fieldText(record, 'E_Mail').trim();
    change = {
      kind: 'CustomerChanged',
      source: 'erp',
      occurredAt: occurredAt.toISOString(),
      erpCustomerNumber: no,
      ...(email ? { email } : {}),
      fields,
      // The ERP subgraph's Customer is keyed by erpCustomerNumber: its cached answers carry this tag.
      tags: [`Customer:${no}`],
    };
  } else {
    const customerNo = fieldText(record, 'Sell_to_Customer_No');
    change = {
      kind: 'OrderChanged',
      source: 'erp',
      occurredAt: occurredAt.toISOString(),
      ...(customerNo ? { erpCustomerNumber: customerNo } : {}),
      fields,
      // An order's change shows in its customer's order list too.
      tags: [`Order:${no}`, ...(customerNo ? [`Customer:${customerNo}`] : [])],
    };
  }
  return {
    vendor: 'erp',
    id: `${page}:${no}:${occurredAt.toISOString()}:${digest(key)}`,
    type: `${page}.modified`,
    entity: `${page.toLowerCase()}:${no}`,
    occurredAt,
    payload: record,
    state: fields,
    change,
  };
}

/**
 * The catch-up reader over `readPage`: each call reads every followed page from its own mark and returns the
 * new versions oldest first, with the cursor to store once they are in the log.
 */
export function createErpChangeReader(reader: ErpPageReader, options: ErpChangeReaderOptions = {}) {
  const now = options.now ?? Date.now;
  const overlap = options.overlapMs ?? 30_000;
  const lookback = options.initialLookbackMs ?? 86_400_000;
  const pageSize = options.pageSize ?? 200;
  const maxRecords = options.maxRecords ?? 2000;
  const pages = options.pages ?? ERP_FEED_PAGES;
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new ErpFeedError('pageSize must be a positive integer.');
  if (!(overlap >= 0)) throw new ErpFeedError('overlapMs must be 0 or more.');

  /** One page's new versions, within `budget` records read. */
  async function readChanges(
    page: ErpFeedPage,
    place: PageCursor | undefined,
    budget: number,
  ): Promise<{ events: VendorEvent[]; place: PageCursor; read: number; done: boolean }> {
    const started = now();
    const current: PageCursor = place ?? { mark: started - lookback, seen: {} };
    const scan = current.scan ?? { from: current.mark - overlap, bookmark: '', max: current.mark, started };
    const seen = new Map(Object.entries(current.seen));
    const found: Array<{ event: VendorEvent; modified: number }> = [];
    const filters: NavFilter[] = [{ Field: LAST_MODIFIED_FIELD, Criteria: `>=${navDateTime(scan.from)}` }];
    let read = 0;
    let done = false;
    while (read < budget) {
      const size = Math.min(pageSize, budget - read);
      const records = await reader.readPage(page, filters, size, scan.bookmark || undefined);
      read += records.length;
      for (const record of records) {
        const modified = modifiedAt(page, record);
        scan.max = Math.max(scan.max, modified);
        const version = `${fieldText(record, 'No')}|${digest(fieldText(record, 'Key'))}`;
        if (seen.has(version)) continue;
        seen.set(version, modified);
        found.push({ event: toErpVendorEvent(page, record, modified), modified });
      }
      // A short page is the last: ReadMultiple fills a page unless the records run out.
      if (records.length < size) {
        done = true;
        break;
      }
      scan.bookmark = fieldText(records[records.length - 1]!, 'Key');
    }
    found.sort((left, right) => left.modified - right.modified);
    const events = found.map(({ event }) => event);
    if (!done) return { events, read, done, place: { mark: current.mark, seen: Object.fromEntries(seen), scan } };
    // The scan is complete: the mark moves to the newest write seen, but not past when the scan began (our
    // clock), since a record written behind the bookmark meanwhile was not in this scan.
    const mark = Math.max(current.mark, Math.min(scan.max, scan.started));
    const kept = Object.fromEntries([...seen].filter(([, modified]) => modified >= mark - overlap));
    return { events, read, done, place: { mark, seen: kept } };
  }

  return {
    async catchUp(cursor: CatchUpCursor): Promise<CatchUpPage> {
      const state = parseCursor(cursor);
      const events: VendorEvent[] = [];
      let budget = maxRecords;
      let more = false;
      for (const page of pages) {
        if (budget <= 0) {
          more = true;
          break;
        }
        const result = await readChanges(page, state.pages[page], budget);
        events.push(...result.events);
        budget -= result.read;
        state.pages[page] = result.place;
        if (!result.done) more = true;
      }
      return { events, cursor: JSON.stringify(state), more };
    },
  };
}

export type ErpAdapterOptions = ErpChangeReaderOptions & {
  /** Where ReadMultiple is called: the web services base URL, company and credentials, the call policy. */
  api?: { baseUrl: string; company: string; credentials: ErpCredentials; policy: PolicySettings; log: Logger };
  /** A reader to use instead of `api` (tests). */
  reader?: ErpPageReader;
  /** How often the pipeline polls, in ms; default 5,000. */
  pollIntervalMs?: number;
};

/**
 * The ERP's adapter for events/: no verify (NAV sends nothing), a catch-up reader polled every
 * `pollIntervalMs`. The SOAP client is made on the first poll (it loads the WSDLs), so a broken ERP does not
 * stop start-up; a failed poll is retried by the next one from the same cursor.
 */
export function createErpAdapter(options: ErpAdapterOptions): VendorAdapter {
  let client: Promise<ErpClient> | undefined;
  const pageReader = (): Promise<ErpPageReader> => {
    if (options.reader) return Promise.resolve(options.reader);
    const api = options.api;
    if (!api) throw new ErpFeedError('The ERP adapter needs `api` or `reader`.');
    client ??= createErpClient({ ...api, log: api.log.child({ part: 'erp-feed' }) }).catch((error: unknown) => {
      client = undefined;
      throw error;
    });
    return client;
  };
  let changes: ReturnType<typeof createErpChangeReader> | undefined;
  return {
    vendor: 'erp',
    pollIntervalMs: options.pollIntervalMs ?? 5000,
    async catchUp(cursor) {
      changes ??= createErpChangeReader(await pageReader(), options);
      return changes.catchUp(cursor);
    },
    async close() {
      const made = client;
      client = undefined;
      if (made) await (await made.catch(() => undefined))?.close();
    },
  };
}
