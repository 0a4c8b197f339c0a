import { Agent, fetch } from 'undici';
import type { Logger } from '../../platform/index.js';
import {
  InterchangeError,
  UpstreamError,
  UpstreamRateLimitedError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
  type UpstreamDetail,
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
export type AnalyticsClient = {
  /** Events of whole UTC days, in Mixpanel's order (time order). */
  exportEvents(query: ExportQuery): Promise<RawEvent[]>;
  /** One /import request in strict mode: at most 2000 events and 10 MB. Refused records come back, the rest are stored. */
  importEvents(events: readonly MixpanelEvent[]): Promise<ImportOutcome>;
  /** Closes the connection pool. */
  close(): Promise<void>;
};

export type AnalyticsClientOptions = {
  /** Base URL of the ingestion API (/import). */
  baseUrl: string;
  /** Base URL of the raw export API (/api/2.0/export). */
  exportUrl: string;
  projectId: number;
  serviceAccount: ServiceAccount;
  /** When set, /import authenticates with the project token instead of the service account. */
  projectToken?: string;
  timeoutMs: number;
  /** Export requests started per rolling second at most (Mixpanel allows 3). */
  exportPerSecond: number;
  log: Logger;
  /** Clock for pacing; default Date.now. */
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

const PACING_MARGIN_MS = 50;

/**
 * When the next export may start so that at most `perSecond` start in any rolling second, given the start
 * times already planned (ascending). The margin covers the time between our clock and Mixpanel's arrival stamp.
 */
export function nextExportSlot(planned: readonly number[], now: number, perSecond: number): number {
  if (planned.length < perSecond) return now;
  return Math.max(now, planned[planned.length - perSecond]! + 1000 + PACING_MARGIN_MS);
}

const basic = (username: string, password: string): string => `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

export function createAnalyticsClient(options: AnalyticsClientOptions): AnalyticsClient {
  // One keep-alive pool for every Mixpanel call of this subgraph.
  const agent = new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 60_000, connections: 32 });
  const now = options.now ?? Date.now;
  const serviceAuth = basic(options.serviceAccount.username, options.serviceAccount.secret);
  const importAuth = options.projectToken ? basic(options.projectToken, '') : serviceAuth;
  // Planned export start times within the last second: Mixpanel refuses a fourth export in a second.
  const planned: number[] = [];

  async function paced(): Promise<void> {
    const at = now();
    while (planned.length > 0 && planned[0]! <= at - 1000 - PACING_MARGIN_MS) planned.shift();
    const slot = nextExportSlot(planned, at, options.exportPerSecond);
    planned.push(slot);
    if (slot > at) await new Promise((resolve) => setTimeout(resolve, slot - at));
  }

  /** One call: the timeout covers the body too; non-2xx answers (except those `accept` takes) become errors. */
  async function call(url: URL, init: { method: string; headers: Record<string, string>; body?: string }, accept: (status: number) => boolean = () => false): Promise<{ status: number; text: string }> {
    const started = now();
    try {
      const response = await fetch(url, { ...init, dispatcher: agent, signal: AbortSignal.timeout(options.timeoutMs) });
      const text = await response.text();
      // The path only: the query holds distinct ids (emails), and credentials travel in the header.
      options.log.debug({ method: init.method, path: url.pathname, status: response.status, ms: now() - started }, 'mixpanel call');
      if (!response.ok && !accept(response.status)) throw new MixpanelHttpError(response.status, text, response.headers.get('retry-after'));
      return { status: response.status, text };
    } catch (error) {
      throw toAnalyticsError(error);
    }
  }

  return {
    async exportEvents(query) {
      const url = new URL(`${options.exportUrl}/api/2.0/export`);
      url.searchParams.set('project_id', String(options.projectId));
      url.searchParams.set('from_date', query.fromDate);
      url.searchParams.set('to_date', query.toDate);
      // Millisecond times, so windows can be cut precisely.
      url.searchParams.set('time_in_ms', 'true');
      if (query.events && query.events.length > 0) url.searchParams.set('event', JSON.stringify(query.events));
      if (query.where) url.searchParams.set('where', query.where);
      await paced();
      const { text } = await call(url, { method: 'GET', headers: { authorization: serviceAuth, accept: 'text/plain' } });
      const { events, malformed } = parseExport(text);
      if (malformed > 0) options.log.warn({ malformed, fromDate: query.fromDate, toDate: query.toDate }, 'mixpanel export had unreadable lines; skipped them');
      return events;
    },

    async importEvents(events) {
      const url = new URL(`${options.baseUrl}/import`);
      url.searchParams.set('strict', '1');
      url.searchParams.set('project_id', String(options.projectId));
      // A 400 with failed_records is a partial success: the other records of the request are stored.
      const { status, text } = await call(
        url,
        { method: 'POST', headers: { authorization: importAuth, 'content-type': 'application/json' }, body: JSON.stringify(events) },
        (code) => code === 400,
      );
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

    close: () => agent.close(),
  };
}
