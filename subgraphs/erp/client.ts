import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { fileURLToPath } from 'node:url';
import { createClientAsync, WSSecurity, type Client } from 'soap';
import type { Logger } from '../../platform/index.js';
import {
  UpstreamError,
  UpstreamUnavailableError,
  createVendorClient,
  type OperationTable,
  type PolicyClientOptions,
  type VendorClient,
} from '../kit/index.js';
import type { ErpCredentials } from './config.js';
import { ERP, asText } from './errors.js';
import type { NavFilter } from './filters.js';
import type { NavRecord } from './wire.js';

const VENDOR = 'erp';

export type ErpPage = 'Customer' | 'SalesOrder' | 'PostedSalesInvoice' | 'Item';
const PAGES: readonly ErpPage[] = ['Customer', 'SalesOrder', 'PostedSalesInvoice', 'Item'];

/** Records per ReadMultiple call: large enough that one call serves a whole batch of customers as a rule. */
export const READ_PAGE_SIZE = 500;

/** The SOAP calls the ERP subgraph makes, one generic path for every page. */
export interface ErpClient extends VendorClient<ErpClient> {
  /**
   * Every record matching all filters, in No order, paging by bookmark (the last record's Key) until the
   * ERP has no more, or until `limit` records when one is given.
   */
  readAll(page: ErpPage, filters: readonly NavFilter[], options?: { limit?: number }): Promise<NavRecord[]>;
  /** At most `setSize` records after the record whose Key is `bookmarkKey` (from the start without one). */
  readPage(page: ErpPage, filters: readonly NavFilter[], setSize: number, bookmarkKey?: string): Promise<NavRecord[]>;
  /** One record by No, or null. */
  read(page: ErpPage, no: string): Promise<NavRecord | null>;
  create(page: ErpPage, record: Record<string, unknown>): Promise<NavRecord>;
  /** Writes the fields given; `record.Key` must be the current Key (a stale one is a CONFLICT). */
  update(page: ErpPage, record: Record<string, unknown> & { Key: string }): Promise<NavRecord>;
  /**
   * UpdateMultiple: every record in one call, all or nothing (one stale Key is a CONFLICT for the whole call and
   * nothing is written). Answers the records as changed, in the order given.
   */
  updateMany(page: ErpPage, records: ReadonlyArray<Record<string, unknown> & { Key: string }>): Promise<NavRecord[]>;
  delete(page: ErpPage, key: string): Promise<void>;
}

/** No quota buckets: NAV publishes no limits, so the ERP config passes {} (see OPERATIONS). */
export type ErpClientOptions = PolicyClientOptions & {
  /** The web services base URL, the part before `/WS/<company>/Page/<page>`. */
  baseUrl: string;
  company: string;
  credentials: ErpCredentials;
  log: Logger;
};

/** The subgraph's own copy of each page's WSDL: a subgraph never reads emulator files, and never fetches a WSDL. */
export const wsdlPath = (page: ErpPage): string => fileURLToPath(new URL(`./wsdl/${page}.wsdl`, import.meta.url));

const keep = (text: string): string => text;
/**
 * Keep decimals, dates, integers and booleans as the text on the wire: the soap client would otherwise make
 * amounts floats (money must not be) and dates Date objects.
 */
const AS_SENT = { decimal: keep, date: keep, dateTime: keep, int: keep, boolean: keep };

/**
 * Every SOAP operation the client calls, on any page. Reads are repeatable. Create has no idempotency key;
 * Update carries the record's Key, so a repeat of an applied Update fails as a conflict rather than applying
 * twice, but the caller would see that conflict for a write that succeeded; Delete likewise. None of the
 * writes is repeated. NAV publishes no quota, so no operation spends one.
 */
export const OPERATIONS = {
  Read: { kind: 'read' },
  ReadMultiple: { kind: 'read' },
  Create: { kind: 'write' },
  Update: { kind: 'write' },
  // As Update: a repeat of an applied call would fail on its now stale Keys, so it is not repeated either.
  UpdateMultiple: { kind: 'write' },
  Delete: { kind: 'write' },
} as const satisfies OperationTable<string>;

type Operation = keyof typeof OPERATIONS;

/** Raised for a well-formed answer that does not have the shape the WSDL promises. */
function unexpectedShape(page: ErpPage, operation: string, result: unknown): UpstreamUnavailableError {
  return new UpstreamUnavailableError(VENDOR, {
    cause: `${page}.${operation} answered an unexpected shape`,
    body: JSON.stringify(result ?? null).slice(0, 2000),
  });
}

const isRecord = (value: unknown): value is NavRecord => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The records of a ReadMultiple answer; null, undefined or {} mean "no more records". */
function recordsOf(page: ErpPage, result: unknown): NavRecord[] {
  if (result === null || result === undefined) return [];
  if (!isRecord(result)) throw unexpectedShape(page, 'ReadMultiple', result);
  const list = result.ReadMultiple_Result;
  if (list === undefined || list === null || list === '') return [];
  if (!isRecord(list)) throw unexpectedShape(page, 'ReadMultiple', result);
  const records = list[page];
  const array = Array.isArray(records) ? records : records === undefined ? [] : [records];
  if (!array.every(isRecord)) throw unexpectedShape(page, 'ReadMultiple', result);
  return array as NavRecord[];
}

type AsyncMethod = (args: object, options?: object) => Promise<[unknown, ...unknown[]]>;

/**
 * Creates the SOAP clients (one per page) from the local WSDL, once; every call goes to
 * `<baseUrl>/WS/<company>/Page/<page>` over one keep-alive agent, signed with a fresh UsernameToken
 * (PasswordDigest, nonce and Created per message, so the ERP can refuse replays).
 */
export async function createErpClient(options: ErpClientOptions): Promise<ErpClient> {
  // At least the bulkhead's limit, so every attempt the bulkhead admits has a socket.
  const agentOptions = { keepAlive: true, maxSockets: Math.max(8, options.policy.bulkhead.limit) };
  const agent = options.baseUrl.startsWith('https:') ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
  // axios (under soap) takes the agent, a backstop timeout and the attempt's signal per request; soap passes
  // these options through. The signal aborts the request and its socket when the policy gives up.
  const requestOptions = { httpAgent: agent, httpsAgent: agent, timeout: options.policy.timeoutMs + 1000 };
  const security = new WSSecurity(options.credentials.username, options.credentials.password, {
    passwordType: 'PasswordDigest',
    hasNonce: true,
  });
  const clients = new Map<ErpPage, Client>();
  await Promise.all(
    PAGES.map(async (page) => {
      const endpoint = `${options.baseUrl}/WS/${encodeURIComponent(options.company)}/Page/${page}`;
      const client = await createClientAsync(wsdlPath(page), { endpoint, customDeserializer: AS_SENT });
      client.setSecurity(security);
      clients.set(page, client);
    }),
  );

  return createVendorClient<ErpClient, Operation>(options, {
    ...ERP,
    operations: OPERATIONS,
    close: () => agent.destroy(),
    methods: (policyCall) => {
      /** One SOAP call; the result as soap parsed it. */
      async function call(page: ErpPage, operation: Operation, args: object): Promise<unknown> {
        const method = (clients.get(page) as unknown as Record<string, AsyncMethod | undefined>)[`${operation}Async`];
        if (!method) throw new UpstreamError(VENDOR, `The ${page} page has no ${operation} operation in its WSDL.`);
        return policyCall(operation, async (signal) => {
          const started = Date.now();
          const [result] = await method.call(clients.get(page), args, { ...requestOptions, signal });
          options.log.debug({ page, operation, ms: Date.now() - started }, 'erp call');
          return result;
        });
      }

      const readPage: ErpClient['readPage'] = async (page, filters, setSize, bookmarkKey) => {
        // NAV needs at least one filter element; an empty Criteria sets no filter.
        const filter = filters.length > 0 ? filters : [{ Field: 'No', Criteria: '' }];
        const result = await call(page, 'ReadMultiple', { filter, ...(bookmarkKey ? { bookmarkKey } : {}), setSize: String(setSize) });
        return recordsOf(page, result);
      };

      /** The single record a Create or Update answers with. */
      const single = (page: ErpPage, operation: string, result: unknown): NavRecord => {
        const record = isRecord(result) ? result[page] : undefined;
        if (!isRecord(record)) throw unexpectedShape(page, operation, result);
        return record;
      };

      return {
        readPage,

        async readAll(page, filters, { limit } = {}) {
          const records: NavRecord[] = [];
          let bookmark: string | undefined;
          for (;;) {
            const size = limit === undefined ? READ_PAGE_SIZE : Math.min(READ_PAGE_SIZE, limit - records.length);
            const batch = await readPage(page, filters, size, bookmark);
            records.push(...batch);
            // A short page is the last one: ReadMultiple fills a page unless the records run out.
            if (batch.length < size || (limit !== undefined && records.length >= limit)) return records;
            const key = batch[batch.length - 1]!.Key;
            if (typeof key !== 'string' || key === '') throw unexpectedShape(page, 'ReadMultiple', { record: 'without Key' });
            bookmark = key;
          }
        },

        async read(page, no) {
          const result = await call(page, 'Read', { No: no });
          if (result === null || result === undefined || (isRecord(result) && result[page] === undefined)) return null;
          return single(page, 'Read', result);
        },

        async create(page, record) {
          return single(page, 'Create', await call(page, 'Create', { [page]: record }));
        },

        async update(page, record) {
          return single(page, 'Update', await call(page, 'Update', { [page]: record }));
        },

        async updateMany(page, records) {
          if (records.length === 0) return [];
          const result = await call(page, 'UpdateMultiple', { [`${page}_List`]: { [page]: records } });
          const list = isRecord(result) ? result[`${page}_List`] : undefined;
          const answered = isRecord(list) ? list[page] : undefined;
          const array = Array.isArray(answered) ? answered : answered === undefined ? [] : [answered];
          if (array.length !== records.length || !array.every(isRecord)) throw unexpectedShape(page, 'UpdateMultiple', result);
          return array as NavRecord[];
        },

        async delete(page, key) {
          const result = await call(page, 'Delete', { Key: key });
          const deleted = isRecord(result) ? asText(result.Delete_Result) : '';
          if (deleted !== 'true' && deleted !== '1') throw unexpectedShape(page, 'Delete', result);
        },
      };
    },
  });
}
