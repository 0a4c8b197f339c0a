import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { fileURLToPath } from 'node:url';
import { createClientAsync, WSSecurity, type Client } from 'soap';
import type { Logger } from '../../platform/index.js';
import {
  BadUserInputError,
  ConflictError,
  InterchangeError,
  NotFoundError,
  UpstreamError,
  UpstreamRateLimitedError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
  createCallPolicy,
  parseRetryAfter,
  type CallKind,
  type Failure,
  type UpstreamDetail,
  type PolicyClientOptions,
  type VendorClient,
} from '../kit/index.js';
import type { ErpCredentials } from './config.js';
import type { NavFilter, NavRecord } from './mapping.js';

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
  delete(page: ErpPage, key: string): Promise<void>;
}

/** No quota buckets: NAV publishes no limits, so the ERP config passes {}. */
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

type SoapErrorLike = {
  message?: string;
  code?: string;
  response?: { status?: number; data?: unknown; headers?: Record<string, unknown> };
  body?: unknown;
  root?: { Envelope?: { Body?: { Fault?: Record<string, unknown> } } };
};

const asText = (value: unknown): string => {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) {
    const inner = (value as Record<string, unknown>).$value ?? (value as Record<string, unknown>).string;
    if (inner !== undefined) return asText(inner);
  }
  return value === undefined || value === null ? '' : String(value);
};

/** NAV's table names in its messages -> the schema type they are. */
const TYPE_OF_TABLE: Record<string, string> = {
  'Sales Header': 'Order',
  'Sales Line': 'OrderLine',
  'Sales Invoice Header': 'PostedInvoice',
  Item: 'Product',
  Customer: 'Customer',
};

/** NAV page fields named in validation messages -> the input field the caller set. */
const INPUT_FIELDS: Record<string, string> = {
  External_Document_No: 'input.externalDocumentNumber',
  Requested_Delivery_Date: 'input.requestedDeliveryDate',
  Currency_Code: 'input.currency',
  Status: 'input.status',
  Sell_to_Customer_No: 'input.customerNumber',
  Quantity: 'input.lines.quantity',
  Unit_Price: 'input.lines.unitPrice',
  Description: 'input.lines.description',
};

const SECURITY_FAULT = /security token could not be authenticated or authorized/i;
const STALE_KEY = /Another user has modified the record/i;
const DOES_NOT_EXIST = /The ([\w ]+?) does not exist\.(?:.*?No\.='([^']*)')?/;

/**
 * Turns whatever a soap call threw into our error classes, keeping status, fault and body for the log. The
 * one place ERP errors are read. Faults are told apart by their text as much as by faultcode, because NAV
 * puts its exception class (not Client/Server) into faultcode.
 */
export function toErpError(error: unknown): InterchangeError {
  if (error instanceof InterchangeError) return error;
  const failure = (typeof error === 'object' && error !== null ? error : {}) as SoapErrorLike;
  const status = failure.response?.status;
  const body = typeof failure.response?.data === 'string' ? failure.response.data : typeof failure.body === 'string' ? failure.body : undefined;
  const detail: UpstreamDetail = {
    ...(status === undefined ? {} : { status }),
    ...(body === undefined ? {} : { body: body.slice(0, 2000) }),
    cause: failure.message ?? String(error),
  };

  if (status === 429) {
    // Before the fault: a proxy's (or an emulator's) 429 may carry a fault body, but it says "later", not "wrong".
    // Without Retry-After, a second: the wait the classifier retries after, so callers hear the same.
    const retryAfterMs = parseRetryAfter(headerText(failure.response?.headers?.['retry-after'])) ?? 1000;
    return new UpstreamRateLimitedError(VENDOR, Math.max(1, Math.ceil(retryAfterMs / 1000)), detail);
  }
  const fault = failure.root?.Envelope?.Body?.Fault;
  if (fault) {
    const code = asText(fault.faultcode);
    const message = asText(fault.faultstring);
    const faultDetail = { ...detail, cause: `${code}: ${message}${fault.detail ? ` (${asText(fault.detail)})` : ''}` };
    if (SECURITY_FAULT.test(message)) {
      return new UpstreamError(VENDOR, 'The ERP refused our credentials; check the ERP configuration (ERP_USERNAME, ERP_PASSWORD).', faultDetail);
    }
    if (STALE_KEY.test(message)) {
      return new ConflictError('The order was changed by someone else since you read it. Read it again (for its new version) and retry.', {
        upstream: VENDOR,
        detail: faultDetail,
      });
    }
    const missing = DOES_NOT_EXIST.exec(message);
    if (missing) {
      const typename = TYPE_OF_TABLE[missing[1]!] ?? missing[1]!;
      return new NotFoundError(typename, missing[2] ?? message.slice(missing.index + missing[0].length).trim(), { upstream: VENDOR, detail: faultDetail });
    }
    if (/Server$/i.test(code) || code === '500') return new UpstreamUnavailableError(VENDOR, faultDetail);
    if (/Client$/i.test(code) || /Nav.*Exception/i.test(code)) {
      const named = /\b(?:SalesOrder|Sales_Order_Line|Sales Line|Sales Header)\.(\w+)/.exec(message)?.[1] ?? /^(\w+) must /.exec(message)?.[1];
      return new BadUserInputError(message, named ? INPUT_FIELDS[named] : undefined, { upstream: VENDOR, detail: faultDetail });
    }
    // VersionMismatch, MustUnderstand: our request and the service disagree on SOAP itself.
    return new UpstreamError(VENDOR, `The ERP rejected the request: ${message}`, faultDetail);
  }

  if (failure.code === 'ECONNABORTED' || failure.code === 'ETIMEDOUT') return new UpstreamTimeoutError(VENDOR, detail);
  if (status === undefined) {
    // No HTTP response at all: refused, reset, DNS, TLS.
    return new UpstreamUnavailableError(VENDOR, detail);
  }
  if (status === 401 || status === 403) {
    return new UpstreamError(VENDOR, 'The ERP refused our credentials; check the ERP configuration (ERP_USERNAME, ERP_PASSWORD).', detail);
  }
  // A response that is no SOAP envelope we can read (malformed XML, HTML error page, truncated body): the
  // service is not answering as a SOAP service should, which is for us an outage, never a crash.
  return new UpstreamUnavailableError(VENDOR, detail);
}

const headerText = (value: unknown): string | undefined => (typeof value === 'string' ? value : Array.isArray(value) ? String(value[0]) : undefined);

/**
 * What the call policy needs to know about a failed SOAP call (see kit/policy/README.md). Every fault comes
 * with HTTP 500, so the faultcode decides: a Server fault is the service failing (retryable, counted by the
 * breaker), a Client fault is our request being wrong (neither). Pure; one test per rule in
 * test/subgraphs/erp/classify.test.ts.
 */
export function classifyErp(error: unknown): Failure {
  // Our own typed errors (e.g. an answer of the wrong shape) say nothing more once translated.
  if (error instanceof InterchangeError) return { retryable: false, countsForBreaker: false };
  const failure = (typeof error === 'object' && error !== null ? error : {}) as SoapErrorLike;
  const status = failure.response?.status;
  const withStatus = status === undefined ? {} : { status };
  // Too many calls: try again after the wait the service asks for, and the service is not unwell.
  if (status === 429) {
    return { retryable: true, status, retryAfterMs: parseRetryAfter(headerText(failure.response?.headers?.['retry-after'])) ?? 1000, countsForBreaker: false };
  }
  const fault = failure.root?.Envelope?.Body?.Fault;
  if (fault) {
    const code = asText(fault.faultcode);
    // soap reports an answer it could not parse with faultcode "500": as unwell as a Server fault.
    if (/Server$/i.test(code) || code === '500') return { retryable: true, ...withStatus, countsForBreaker: true };
    // Client faults, NAV's own exceptions (validation, stale Key, not found, security), VersionMismatch: final.
    return { retryable: false, ...withStatus, countsForBreaker: false };
  }
  // Credentials refused before SOAP: final, and a configuration problem rather than an outage.
  if (status === 401 || status === 403) return { retryable: false, status, countsForBreaker: false };
  // No answer (refused, reset, timed out) or one that is no SOAP at all (an HTML 502, malformed XML): unwell.
  return { retryable: true, ...withStatus, countsForBreaker: true };
}

/** Raised for a well-formed answer that does not have the shape the WSDL promises. */
function unexpectedShape(page: ErpPage, operation: string, result: unknown): UpstreamUnavailableError {
  return new UpstreamUnavailableError(VENDOR, { cause: `${page}.${operation} answered an unexpected shape`, body: JSON.stringify(result ?? null).slice(0, 2000) });
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
  const security = new WSSecurity(options.credentials.username, options.credentials.password, { passwordType: 'PasswordDigest', hasNonce: true });
  // One policy for every call to the ERP from this process: breaker and bulkhead must see them all.
  const policy = createCallPolicy({
    upstream: VENDOR,
    classify: classifyErp,
    translate: toErpError,
    ...options.policy,
    quota: options.quota ?? {},
    ...(options.redis ? { redis: options.redis } : {}),
    observer: options.observer,
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

  /**
   * Reads are repeatable. Create has no idempotency key; Update carries the record's Key, so a repeat of an
   * applied Update fails as a conflict rather than applying twice, but the caller would see that conflict for
   * a write that succeeded; Delete likewise. None of the writes is repeated.
   */
  const KIND: Record<string, CallKind> = { Read: 'read', ReadMultiple: 'read', Create: 'write', Update: 'write', Delete: 'write' };

  /** The client for one request: every call goes through the policy with that request's deadline. */
  const bind = (deadline: number | undefined): ErpClient => {
    /** One SOAP call; the result as soap parsed it. */
    async function call(page: ErpPage, operation: string, args: object): Promise<unknown> {
      const method = (clients.get(page) as unknown as Record<string, AsyncMethod | undefined>)[`${operation}Async`];
      if (!method) throw new UpstreamError(VENDOR, `The ${page} page has no ${operation} operation in its WSDL.`);
      return policy.execute({
        kind: KIND[operation] ?? 'write',
        operation: `${page}.${operation}`,
        deadline,
        run: async (signal) => {
          const started = Date.now();
          const [result] = await method.call(clients.get(page), args, { ...requestOptions, signal });
          options.log.debug({ page, operation, ms: Date.now() - started }, 'erp call');
          return result;
        },
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

      async delete(page, key) {
        const result = await call(page, 'Delete', { Key: key });
        const deleted = isRecord(result) ? asText(result.Delete_Result) : '';
        if (deleted !== 'true' && deleted !== '1') throw unexpectedShape(page, 'Delete', result);
      },
      withDeadline: bind,
      upstreamState: () => policy.state(),
      close() {
        policy.dispose();
        agent.destroy();
      },
    };
  };
  return bind(undefined);
}
