import { dedupeEvents } from './dedupe.js';
import { Agent, fetch } from 'undici';
import type { Logger } from '../../platform/index.js';
import { UpstreamError, createVendorClient, type OperationTable, type PolicyClientOptions, type VendorClient } from '../kit/index.js';
import type { AnalyticsConfig, ServiceAccount } from './config.js';
import { MIXPANEL, MixpanelHttpError, MixpanelTruncatedError, toMixpanelError } from './errors.js';
import { isCutShort, parseExport } from './export.js';
import type { MixpanelEvent, RawEvent } from './wire.js';

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

/** Quota buckets: `export` (raw export API) and `query` (query API); /import spends from none (see OPERATIONS). */
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

/** An AnalyticsConfig with its URLs, project and service account set (the launcher fills them in for the emulator). */
export type ResolvedAnalyticsConfig = AnalyticsConfig & {
  baseUrl: string;
  exportUrl: string;
  projectId: number;
  serviceAccount: ServiceAccount;
};

/** The client a resolved config describes: the subgraph's and a worker's export source are built alike. */
export function clientFromConfig(
  config: ResolvedAnalyticsConfig,
  options: Pick<AnalyticsClientOptions, 'log' | 'observer' | 'redis' | 'now'>,
): AnalyticsClient {
  return createAnalyticsClient({
    baseUrl: config.baseUrl,
    exportUrl: config.exportUrl,
    projectId: config.projectId,
    serviceAccount: config.serviceAccount,
    ...(config.projectToken ? { projectToken: config.projectToken } : {}),
    policy: config.policy,
    quota: config.quota,
    ...options,
  });
}

/**
 * Every Mixpanel call the client makes. An export is a read paced by the `export` quota (Mixpanel's 3 a second
 * and 60 an hour; there is no other pacing). An import is a write that is safe to repeat: every event carries a
 * $insert_id (toImportEvent makes one when the caller gave none): a repeated request stores copies that
 * Mixpanel's reports count once, and so do our counts (dedupeEvents on export). (/track, which mints a new
 * $insert_id for events without one, is not used.)
 */
export const OPERATIONS = {
  exportEvents: { kind: 'read', bucket: 'export' },
  importEvents: { kind: 'write', idempotent: true },
} as const satisfies OperationTable<string>;

const basic = (username: string, password: string): string => `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

export function createAnalyticsClient(options: AnalyticsClientOptions): AnalyticsClient {
  // One keep-alive pool for every Mixpanel call of this subgraph, at least as wide as the bulkhead.
  const agent = new Agent({
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 60_000,
    connections: Math.max(32, options.policy.bulkhead.limit),
  });
  const now = options.now ?? Date.now;
  const serviceAuth = basic(options.serviceAccount.username, options.serviceAccount.secret);
  const importAuth = options.projectToken ? basic(options.projectToken, '') : serviceAuth;
  /**
   * One attempt: the signal aborts the request and its body (undici closes the connection); non-2xx answers
   * (except those `accept` takes) throw MixpanelHttpError for the classifier.
   */
  async function send(
    url: URL,
    init: { method: string; headers: Record<string, string>; body?: string },
    signal: AbortSignal,
    accept: (status: number) => boolean = () => false,
  ): Promise<{ status: number; text: string }> {
    const started = now();
    const response = await fetch(url, { ...init, dispatcher: agent, signal });
    const text = await response.text();
    // The path only: the query holds distinct ids (emails), and credentials travel in the header.
    options.log.debug({ method: init.method, path: url.pathname, status: response.status, ms: now() - started }, 'mixpanel call');
    if (!response.ok && !accept(response.status)) throw new MixpanelHttpError(response.status, text, response.headers.get('retry-after'));
    return { status: response.status, text };
  }

  return createVendorClient<AnalyticsClient, keyof typeof OPERATIONS>(options, {
    ...MIXPANEL,
    operations: OPERATIONS,
    close: () => agent.close(),
    methods: (call) => ({
      async exportEvents(query) {
        const url = new URL(`${options.exportUrl}/api/2.0/export`);
        url.searchParams.set('project_id', String(options.projectId));
        url.searchParams.set('from_date', query.fromDate);
        url.searchParams.set('to_date', query.toDate);
        // Millisecond times, so windows can be cut precisely.
        url.searchParams.set('time_in_ms', 'true');
        if (query.events && query.events.length > 0) url.searchParams.set('event', JSON.stringify(query.events));
        if (query.where) url.searchParams.set('where', query.where);
        const { events, malformed } = await call('exportEvents', async (signal) => {
          const { text } = await send(url, { method: 'GET', headers: { authorization: serviceAuth, accept: 'text/plain' } }, signal);
          const parsed = parseExport(text);
          // Inside the attempt, so a cut-short body is retried like any other vendor fault.
          if (parsed.malformed > 0 && isCutShort(text)) throw new MixpanelTruncatedError(text);
          return parsed;
        });
        if (malformed > 0)
          options.log.warn(
            { malformed, fromDate: query.fromDate, toDate: query.toDate },
            'mixpanel export had unreadable lines; skipped them',
          );
        // The raw export keeps every copy of a re-sent event: count each once, as Mixpanel's reports do.
        return dedupeEvents(events);
      },

      async importEvents(events) {
        const url = new URL(`${options.baseUrl}/import`);
        url.searchParams.set('strict', '1');
        url.searchParams.set('project_id', String(options.projectId));
        // A 400 with failed_records is a partial success: the other records of the request are stored.
        const { status, text } = await call('importEvents', (signal) =>
          send(
            url,
            { method: 'POST', headers: { authorization: importAuth, 'content-type': 'application/json' }, body: JSON.stringify(events) },
            signal,
            (code) => code === 400,
          ),
        );
        let body: { num_records_imported?: unknown; failed_records?: unknown };
        try {
          body = JSON.parse(text) as typeof body;
        } catch {
          throw new UpstreamError('mixpanel', 'Mixpanel answered /import with a body that is not JSON.', {
            status,
            body: text.slice(0, 2000),
          });
        }
        if (status === 400 && !Array.isArray(body.failed_records)) throw toMixpanelError(new MixpanelHttpError(status, text, null));
        const failed = (Array.isArray(body.failed_records) ? body.failed_records : []).map(
          (record: Record<string, unknown>): FailedRecord => ({
            index: Number(record.index),
            field: typeof record.field === 'string' ? record.field : 'event',
            message: typeof record.message === 'string' ? record.message : 'refused by Mixpanel',
            insertId: typeof record.insert_id === 'string' ? record.insert_id : undefined,
          }),
        );
        const imported = typeof body.num_records_imported === 'number' ? body.num_records_imported : events.length - failed.length;
        return { imported, failed };
      },
    }),
  });
}
