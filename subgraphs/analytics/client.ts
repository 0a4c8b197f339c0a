import { Agent, fetch } from 'undici';
import type { Logger } from '../../platform/index.js';
import {
  InterchangeError,
  UpstreamError,
  UpstreamRateLimitedError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
  createCallPolicy,
  parseRetryAfter,
  type Failure,
  type UpstreamDetail,
  type PolicyClientOptions,
  type VendorClient,
} from '../kit/index.js';
import type { ServiceAccount } from './config.js';
import { parseExport, type MixpanelEvent, type RawEvent } from './mapping.js';

const VENDOR = 'mixpanel';

/** A raw export: the days `fromDate`..`toDate` (inclusive, `YYYY-MM-DD`), optionally only some events. */
export type ExportQuery = {
  fromDate: string;
  toDate: string;
  /** Only these event names (Mixpanel's `event` parameter). */
  events?: readonly string[];
  /** A segmentation expression, e.g. from toDistinctIdWhere(). */
  where?: string;
};

/** A record /import refused, `index` within that request's body. */
export type FailedRecord = { index: number; field: string; message: string; insertId: string | undefined };

export type ImportOutcome = { imported: number; failed: FailedRecord[] };

/** The Mixpanel calls the analytics subgraph makes. */
export interface AnalyticsClient extends VendorClient<AnalyticsClient> {
  /** Events of whole UTC days, in Mixpanel's order (time order). */
  exportEvents(query: ExportQuery): Promise<RawEvent[]>;
  /** One /import request in strict mode: at most 2000 events and 10 MB. Refused records come back, the rest are stored. */
  importEvents(events: readonly MixpanelEvent[]): Promise<ImportOutcome>;
}

/** Quota buckets: `export` (raw export API) and `query` (query API); /import spends from none. */
export type AnalyticsClientOptions = PolicyClientOptions & {
  /** Base URL of the ingestion API (/import). */
  baseUrl: string;
  /** Base URL of the raw export API (/api/2.0/export). */
  exportUrl: string;
  projectId: number;
  serviceAccount: ServiceAccount;
  /** When set, /import authenticates with the project token instead of the service account. */
  projectToken?: string;
  log: Logger;
  /** Clock for call timing in the debug log; default Date.now. */
  now?: () => number;
};

/** A non-2xx answer from Mixpanel, before translation. */
export class MixpanelHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    readonly retryAfter: string | null,
  ) {
    super(`Mixpanel answered ${status}`);
    this.name = 'MixpanelHttpError';
  }
}

/** A 200 export whose body was cut short (its last line is not a whole event): the data would be silently incomplete. */
export class MixpanelTruncatedError extends Error {
  constructor(readonly body: string) {
    super('Mixpanel answered an export whose last line is cut short');
    this.name = 'MixpanelTruncatedError';
  }
}

/** Mixpanel's error bodies: `{error, status}` from the query APIs, `{code, error, status}` from ingestion. */
function errorMessage(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    return typeof parsed.error === 'string' ? parsed.error : undefined;
  } catch {
    return body.trim() === '' ? undefined : body.slice(0, 200);
  }
}

/**
 * Turns what a Mixpanel call threw into our error classes, keeping status and body for the log.
 * The one place Mixpanel errors are read.
 */
export function toAnalyticsError(error: unknown): InterchangeError {
  if (error instanceof InterchangeError) return error;
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return new UpstreamTimeoutError(VENDOR, { cause: error.message });
  }
  if (error instanceof MixpanelTruncatedError) return new UpstreamUnavailableError(VENDOR, { status: 200, body: error.body.slice(0, 2000), cause: error.message });
  if (!(error instanceof MixpanelHttpError)) {
    // No HTTP response at all: refused, reset, DNS, TLS. undici puts the system error in `cause`.
    const cause = error instanceof Error ? (error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message) : String(error);
    return new UpstreamUnavailableError(VENDOR, { cause });
  }
  const detail: UpstreamDetail = { status: error.status, body: error.body.slice(0, 2000) };
  if (error.status === 429) {
    const header = Number(error.retryAfter);
    // Mixpanel sends Retry-After with its 429s; without one, a minute is a fair guess for its hourly quotas.
    return new UpstreamRateLimitedError(VENDOR, Number.isFinite(header) && header > 0 ? Math.ceil(header) : 60, detail);
  }
  if (error.status >= 500) return new UpstreamUnavailableError(VENDOR, detail);
  if (error.status === 401 || error.status === 403) {
    return new UpstreamError(VENDOR, 'Mixpanel refused our credentials; check the analytics configuration (service account and project id).', detail);
  }
  // Any other 4xx means we built a request Mixpanel does not take: our mistake, not the caller's.
  return new UpstreamError(VENDOR, `Mixpanel refused the request: ${errorMessage(error.body) ?? `HTTP ${error.status}`}`, detail);
}

/**
 * What the call policy needs to know about a failed Mixpanel call (see kit/policy/README.md). Pure; one test per
 * rule in test/subgraphs/analytics/classify.test.ts.
 */
export function classifyMixpanel(error: unknown): Failure {
  // Our own typed errors say nothing about Mixpanel's health and repeating the call would not change them.
  if (error instanceof InterchangeError) return { retryable: false, countsForBreaker: false };
  // A cut-short export: Mixpanel (or something on the way) is unwell; another attempt may be whole.
  if (error instanceof MixpanelTruncatedError) return { retryable: true, status: 200, countsForBreaker: true };
  // No HTTP response at all (refused, reset, a body that stopped coming): Mixpanel may be down.
  if (!(error instanceof MixpanelHttpError)) return { retryable: true, countsForBreaker: true };
  const status = error.status;
  if (status === 429) {
    // Mixpanel sends Retry-After with its 429s; without one, a second is the shortest of its windows.
    return { retryable: true, status, retryAfterMs: parseRetryAfter(error.retryAfter) ?? 1000, countsForBreaker: false };
  }
  // Mixpanel's own failure: another attempt may succeed, and it counts toward opening the circuit.
  if (status >= 500) {
    const retryAfterMs = parseRetryAfter(error.retryAfter);
    return { retryable: true, status, ...(retryAfterMs === undefined ? {} : { retryAfterMs }), countsForBreaker: true };
  }
  // Any other 4xx is about our request (credentials, a bad `where`): final, and Mixpanel is well.
  return { retryable: false, status, countsForBreaker: false };
}

const basic = (username: string, password: string): string => `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

export function createAnalyticsClient(options: AnalyticsClientOptions): AnalyticsClient {
  // One keep-alive pool for every Mixpanel call of this subgraph, at least as wide as the bulkhead.
  const agent = new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 60_000, connections: Math.max(32, options.policy.bulkhead.limit) });
  const now = options.now ?? Date.now;
  const serviceAuth = basic(options.serviceAccount.username, options.serviceAccount.secret);
  const importAuth = options.projectToken ? basic(options.projectToken, '') : serviceAuth;
  // One policy for every call to Mixpanel from this process: breaker, bulkhead and the export quota (which paces
  // exports to Mixpanel's 3 a second and 60 an hour; there is no other pacing) must see them all.
  const policy = createCallPolicy({
    upstream: VENDOR,
    classify: classifyMixpanel,
    translate: toAnalyticsError,
    ...options.policy,
    quota: options.quota,
    ...(options.redis ? { redis: options.redis } : {}),
    observer: options.observer,
  });

  /**
   * One attempt: the signal aborts the request and its body (undici closes the connection); non-2xx answers
   * (except those `accept` takes) throw MixpanelHttpError for the classifier.
   */
  async function send(url: URL, init: { method: string; headers: Record<string, string>; body?: string }, signal: AbortSignal, accept: (status: number) => boolean = () => false): Promise<{ status: number; text: string }> {
    const started = now();
    const response = await fetch(url, { ...init, dispatcher: agent, signal });
    const text = await response.text();
    // The path only: the query holds distinct ids (emails), and credentials travel in the header.
    options.log.debug({ method: init.method, path: url.pathname, status: response.status, ms: now() - started }, 'mixpanel call');
    if (!response.ok && !accept(response.status)) throw new MixpanelHttpError(response.status, text, response.headers.get('retry-after'));
    return { status: response.status, text };
  }

  /** The client for one request: every call goes through the policy with that request's deadline. */
  const bind = (deadline: number | undefined): AnalyticsClient => ({
    async exportEvents(query) {
      const url = new URL(`${options.exportUrl}/api/2.0/export`);
      url.searchParams.set('project_id', String(options.projectId));
      url.searchParams.set('from_date', query.fromDate);
      url.searchParams.set('to_date', query.toDate);
      // Millisecond times, so windows can be cut precisely.
      url.searchParams.set('time_in_ms', 'true');
      if (query.events && query.events.length > 0) url.searchParams.set('event', JSON.stringify(query.events));
      if (query.where) url.searchParams.set('where', query.where);
      const { events, malformed } = await policy.execute({
        kind: 'read',
        operation: 'export',
        bucket: 'export',
        deadline,
        run: async (signal) => {
          const { text } = await send(url, { method: 'GET', headers: { authorization: serviceAuth, accept: 'text/plain' } }, signal);
          const parsed = parseExport(text);
          // Inside the attempt, so a cut-short body is retried like any other vendor fault.
          if (parsed.malformed > 0 && isCutShort(text)) throw new MixpanelTruncatedError(text);
          return parsed;
        },
      });
      if (malformed > 0) options.log.warn({ malformed, fromDate: query.fromDate, toDate: query.toDate }, 'mixpanel export had unreadable lines; skipped them');
      return events;
    },

    async importEvents(events) {
      const url = new URL(`${options.baseUrl}/import`);
      url.searchParams.set('strict', '1');
      url.searchParams.set('project_id', String(options.projectId));
      // A 400 with failed_records is a partial success: the other records of the request are stored.
      const { status, text } = await policy.execute({
        kind: 'write',
        operation: 'import',
        // Every event carries a $insert_id (toImportEvent makes one when the caller gave none), and Mixpanel
        // stores an event once per $insert_id: repeating the request cannot store anything twice. (/track,
        // which dedupes nothing, is not used.)
        idempotent: true,
        deadline,
        run: (signal) =>
          send(url, { method: 'POST', headers: { authorization: importAuth, 'content-type': 'application/json' }, body: JSON.stringify(events) }, signal, (code) => code === 400),
      });
      let body: { num_records_imported?: unknown; failed_records?: unknown };
      try {
        body = JSON.parse(text) as typeof body;
      } catch {
        throw new UpstreamError(VENDOR, 'Mixpanel answered /import with a body that is not JSON.', { status, body: text.slice(0, 2000) });
      }
      if (status === 400 && !Array.isArray(body.failed_records)) throw toAnalyticsError(new MixpanelHttpError(status, text, null));
      const failed = (Array.isArray(body.failed_records) ? body.failed_records : []).map((record: Record<string, unknown>): FailedRecord => ({
        index: Number(record.index),
        field: typeof record.field === 'string' ? record.field : 'event',
        message: typeof record.message === 'string' ? record.message : 'refused by Mixpanel',
        insertId: typeof record.insert_id === 'string' ? record.insert_id : undefined,
      }));
      const imported = typeof body.num_records_imported === 'number' ? body.num_records_imported : events.length - failed.length;
      return { imported, failed };
    },

    withDeadline: bind,
    upstreamState: () => policy.state(),
    async close() {
      policy.dispose();
      await agent.close();
    },
  });
  return bind(undefined);
}

/**
 * Whether an export body stops in the middle of a line: Mixpanel ends every line, the last one included, with
 * a newline, so an unterminated last line that does not parse means the body was cut short. A malformed line
 * in the middle of a whole body is Mixpanel's data, skipped (and logged) as before.
 */
function isCutShort(text: string): boolean {
  if (text === '' || text.endsWith('\n')) return false;
  const last = text.slice(text.lastIndexOf('\n') + 1);
  try {
    JSON.parse(last);
    return false;
  } catch {
    return true;
  }
}
