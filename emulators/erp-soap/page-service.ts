import { clientFault } from './faults.js';
import { compileFilter, type FieldPredicate, type FieldValue } from './filter.js';
import { asList, asText, isSoapObject, type SoapObject, type SoapValue } from './input.js';
import { decodeKey, encodeKey } from './keys.js';
import type { OperationName, PageSchema } from './page-schemas.js';
import { formatDecimal, isoDate } from './values.js';

/**
 * The one mechanism behind every page: Read, ReadMultiple, Create, CreateMultiple, Update, UpdateMultiple and
 * Delete over a
 * table, with NAV's filters, bookmark paging and Key-based optimistic concurrency. A page supplies only what is
 * its own (a PageAdapter): how a record looks as fields, and how input becomes a valid record.
 */

export type Versioned = { readonly No: string; readonly version: number };

/** A record's field values as filters compare them (decimals in hundredths). */
export type Row = Readonly<Record<string, FieldValue>>;

export type SalesLineElement = Readonly<Record<string, string>>;
/** A record as the page serves it: every value a string, as on the wire; SalesLines nested as NAV nests them. */
export type PageRecord = Readonly<Record<string, string | { readonly Sales_Order_Line: readonly SalesLineElement[] }>>;

export type PageAdapter<R extends Versioned> = {
  schema: PageSchema;
  table: Map<string, R>;
  row(record: R): Row;
  /** Elements served after the fields, e.g. SalesLines. */
  extra?(record: R): Partial<PageRecord>;
  /** A validated new record at version 1; `taken` holds Nos claimed earlier in the same CreateMultiple. */
  create?(element: SoapValue, taken: ReadonlySet<string>): R;
  /** The validated changed record; the generic code sets its version. */
  update?(current: R, element: SoapObject): R;
  /** Throws a fault when other records still depend on this one. */
  beforeDelete?(record: R): void;
};

/** What an operation answers, for soap to serialise: elements holding text, elements, or repeated elements. */
export type SoapResult = { readonly [element: string]: SoapResultValue };
export type SoapResultValue = string | SoapResult | readonly SoapResultValue[];
export type PageOperation = (args: SoapObject) => SoapResult;
export type PageService = {
  operations: Partial<Record<OperationName, PageOperation>>;
  /** Every record as served, ordered by No. */
  snapshot(): PageRecord[];
};

/** How NAV names a record in its messages: "Identification fields and values: No.='C00001'". */
export const identification = (no: string): string => `Identification fields and values: No.='${no}'`;

const byNo = <R extends Versioned>(left: R, right: R): number => (left.No < right.No ? -1 : left.No > right.No ? 1 : 0);

function formatValue(value: FieldValue, kind: string): string {
  if (kind === 'decimal' && typeof value === 'number') return formatDecimal(value);
  if (kind === 'datetime' && typeof value === 'number') return new Date(value).toISOString();
  return String(value);
}

/** When each record was last written (Last_Modified_Date_Time / Last_Date_Modified), for pages that show it. */
export type ModifiedStamps = {
  /** The time source of the stamps (ms since the epoch). */
  clock: () => number;
  /**
   * The stamps' resolution in ms: times are cut down to a multiple of it. A coarse resolution (the emulator's
   * default is a whole second) makes ties common, so a poller that assumes one change per timestamp fails here.
   */
  resolutionMs: number;
  /** The stamp of records present before the first write (the seed), by their position in No order. */
  seededAt(position: number): number;
};

export function createPageService<R extends Versioned>(adapter: PageAdapter<R>, onWrite: () => void, stamps?: ModifiedStamps): PageService {
  const { schema, table } = adapter;
  const page = schema.page;

  // Kept beside the records rather than in them: every write of every page goes through this service, so this
  // is the one place that knows a record was written. A deleted record's stamp goes with it.
  const tracked = stamps !== undefined && schema.fields.some((field) => field.name === 'Last_Modified_Date_Time');
  const modified = new Map<string, number>();
  if (tracked) [...table.keys()].sort().forEach((no, position) => modified.set(no, stamps.seededAt(position)));
  const stamp = (no: string) => {
    if (tracked) modified.set(no, Math.floor(stamps.clock() / stamps.resolutionMs) * stamps.resolutionMs);
  };

  const rowOf = (record: R): Row => {
    const row = adapter.row(record);
    const at = modified.get(record.No);
    return at === undefined ? row : { ...row, Last_Modified_Date_Time: at, Last_Date_Modified: isoDate(at) };
  };

  const toRecord = (record: R): PageRecord => {
    const row = rowOf(record);
    const element: Record<string, PageRecord[string]> = { Key: encodeKey(page, record.No, record.version) };
    for (const field of schema.fields) element[field.name] = formatValue(row[field.name] ?? '', field.kind);
    for (const [name, value] of Object.entries(adapter.extra?.(record) ?? {})) {
      if (value !== undefined) element[name] = value;
    }
    return element;
  };

  const sorted = (): R[] => [...table.values()].sort(byNo);

  /**
   * The current record a Key points at, or the NAV fault for a missing or changed one. `staged` holds records
   * an UpdateMultiple changed earlier in the same call: a second element with the first one's Key is stale.
   */
  const current = (key: string, staged?: ReadonlyMap<string, R>): R => {
    if (key === '') throw clientFault(`The Key of the ${page} record must have a value.`);
    const decoded = decodeKey(page, key);
    const record = staged?.get(decoded.no) ?? table.get(decoded.no);
    if (!record) throw clientFault(`The ${schema.table} does not exist. ${identification(decoded.no)}`);
    if (record.version !== decoded.version) {
      throw clientFault(
        `Another user has modified the record for this ${schema.table} after you retrieved it from the database. Refresh the record and try again.`,
      );
    }
    return record;
  };

  const insertAll = (records: readonly R[]): void => {
    const claimed = new Set<string>();
    for (const record of records) {
      if (table.has(record.No) || claimed.has(record.No)) {
        throw clientFault(`The record in table ${schema.table} already exists. ${identification(record.No)}`);
      }
      claimed.add(record.No);
    }
    for (const record of records) {
      table.set(record.No, record);
      stamp(record.No);
    }
    onWrite();
  };

  const prepareAll = (elements: readonly SoapValue[]): R[] => {
    if (!adapter.create) throw clientFault(`The ${page} page does not allow inserting records.`);
    const taken = new Set<string>();
    return elements.map((element) => {
      const record = adapter.create!(element, taken);
      taken.add(record.No);
      return record;
    });
  };

  /**
   * Update and UpdateMultiple: every element needs its record's current Key. All or nothing, as NAV runs the
   * whole call in one transaction: one stale Key (or any other fault) faults the call and changes no record.
   */
  const updateAll = (elements: readonly SoapValue[]): R[] => {
    if (!adapter.update) throw clientFault(`The ${page} page does not allow modifying records.`);
    const staged = new Map<string, R>();
    const order: R[] = [];
    for (const element of elements) {
      if (!isSoapObject(element)) throw clientFault(`The ${page} element must contain the record's fields.`);
      const record = current(asText(element.Key), staged);
      const updated = { ...adapter.update(record, element), No: record.No, version: record.version + 1 };
      staged.set(record.No, updated);
      order.push(updated);
    }
    for (const record of staged.values()) {
      table.set(record.No, record);
      stamp(record.No);
    }
    onWrite();
    return order;
  };

  const operations: Record<OperationName, PageOperation> = {
    Read(args) {
      const no = asText(args.No).toUpperCase();
      const record = table.get(no);
      return record ? { [page]: toRecord(record) } : {};
    },

    ReadMultiple(args): SoapResult {
      const predicates: Array<{ field: string; accepts: FieldPredicate }> = [];
      for (const filter of asList(args.filter)) {
        if (!isSoapObject(filter)) throw clientFault('Each filter must have a Field and a Criteria.');
        const name = asText(filter.Field);
        const field = schema.fields.find((candidate) => candidate.name === name);
        if (!field) throw clientFault(`The field "${name}" does not exist on the ${page} page.`);
        const criteria = asText(filter.Criteria);
        // An empty Criteria sets no filter, as NAV's SETFILTER with an empty string does.
        if (criteria !== '') predicates.push({ field: name, accepts: compileFilter(page, field, criteria) });
      }
      const sizeText = asText(args.setSize);
      if (sizeText !== '' && !/^\d+$/.test(sizeText)) {
        throw clientFault(`setSize must be 0 or a positive integer; "${sizeText}" is not (reading backwards is not supported).`);
      }
      const setSize = sizeText === '' ? 0 : Number(sizeText);
      const bookmark = asText(args.bookmarkKey);
      const after = bookmark === '' ? undefined : decodeKey(page, bookmark).no;

      const found: PageRecord[] = [];
      for (const record of sorted()) {
        if (after !== undefined && record.No <= after) continue;
        if (predicates.length > 0) {
          const row = rowOf(record);
          if (!predicates.every(({ field, accepts }) => accepts(row[field] ?? ''))) continue;
        }
        found.push(toRecord(record));
        if (setSize > 0 && found.length === setSize) break;
      }
      return found.length > 0 ? { ReadMultiple_Result: { [page]: found } } : {};
    },

    Create(args) {
      const [record] = prepareAll([args[page]]);
      insertAll([record!]);
      return { [page]: toRecord(record!) };
    },

    CreateMultiple(args) {
      const list = args[`${page}_List`];
      const elements = isSoapObject(list) ? asList(list[page]) : [];
      if (elements.length === 0) throw clientFault(`${page}_List must contain at least one ${page}.`);
      // All or nothing, as NAV runs the whole call in one transaction.
      const records = prepareAll(elements);
      insertAll(records);
      return { [`${page}_List`]: { [page]: records.map(toRecord) } };
    },

    Update(args) {
      const [updated] = updateAll([args[page]]);
      return { [page]: toRecord(updated!) };
    },

    UpdateMultiple(args) {
      const list = args[`${page}_List`];
      const elements = isSoapObject(list) ? asList(list[page]) : [];
      if (elements.length === 0) throw clientFault(`${page}_List must contain at least one ${page}.`);
      return { [`${page}_List`]: { [page]: updateAll(elements).map(toRecord) } };
    },

    Delete(args) {
      const record = current(asText(args.Key));
      adapter.beforeDelete?.(record);
      table.delete(record.No);
      modified.delete(record.No);
      onWrite();
      return { Delete_Result: 'true' };
    },
  };

  const offered: Partial<Record<OperationName, PageOperation>> = {};
  for (const name of schema.operations) offered[name] = operations[name];
  return { operations: offered, snapshot: () => sorted().map(toRecord) };
}
