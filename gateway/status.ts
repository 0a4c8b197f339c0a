import type { Express } from 'express';
import type { Dispatcher } from 'undici';
import { adminOnly, metricsRoute, type AdminConfig, type StoredTrace, type Telemetry } from '../platform/index.js';
import { renderStatusPage } from './status-page.js';
import type { GatewayTelemetry } from './telemetry.js';
import { collectUpstreams, type UpstreamsReport } from './upstreams.js';

/** A vendor as the status page judges it. */
export type VendorState = 'healthy' | 'degraded' | 'breaker open' | 'unreachable';

export type SeriesPoint = { at: number; attempts: number; errorRate: number; p50Ms?: number; p99Ms?: number };

export type VendorCard = {
  subgraph: string;
  vendor: string;
  state: VendorState;
  /** Why the state is what it is, in a few words. */
  reason: string;
  breaker: string;
  breakerRetryInMs: number | undefined;
  inFlight: number;
  queued: number;
  recent: { attempts: number; errorRate: number; p50Ms?: number; p99Ms?: number };
  series: SeriesPoint[];
  quota: Array<{ bucket: string; remaining: number; resetsInMs: number }>;
  lastErrors: Array<{ at: string; endpoint: string; code: string; message: string }>;
};

export type CacheRatio = { cache: string; hits: number; misses: number };

/** Everything the status page shows; also GET /status.json. */
export type StatusReport = {
  generatedAt: string;
  overall: 'ok' | 'degraded';
  vendors: VendorCard[];
  caches: CacheRatio[];
  /** The event pipeline's backlog and dead letters; undefined while no pipeline is configured. */
  events: EventsSummary | undefined;
  slowest: StoredTrace[];
  /** Why no traces are listed, when none can be. */
  tracesNote: string | undefined;
};

/** The event pipeline as the status page shows it (events/status.ts builds it; the gateway knows only this shape). */
export type EventsSummary = {
  counts: Record<string, number>;
  backlog: number;
  oldestUnappliedAgeSeconds: number | undefined;
  rejections: Record<string, Record<string, number>>;
};

/** What the launcher hands the gateway when the event pipeline runs: its summary and the redrive of dead events. */
export type EventsPanel = {
  summary(): Promise<EventsSummary>;
  /** Re-enqueues every dead event with a fresh set of attempts; resolves to how many. */
  redrive(): Promise<number>;
};

/** The share of the last attempts that failed at which a vendor counts as degraded. */
const DEGRADED_ERROR_RATE = 0.2;

const num = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

/**
 * A vendor's state from what its subgraph reports. Pure. Breaker open (or isolated): calls fail fast. Degraded:
 * the breaker is probing (half-open) or at least 20% of the last attempts failed by the vendor's fault.
 */
export function vendorState(upstream: Record<string, unknown>): { state: VendorState; reason: string } {
  const breaker = String(upstream.breaker ?? 'closed');
  if (breaker === 'open' || breaker === 'isolated')
    return { state: 'breaker open', reason: 'circuit open: calls fail fast until a probe succeeds' };
  if (breaker === 'half-open') return { state: 'degraded', reason: 'circuit half-open: one probe call at a time' };
  const last = upstream.lastAttempts as { attempts?: unknown; errorRate?: unknown } | undefined;
  const rate = num(last?.errorRate) ?? num((upstream.recent as Record<string, unknown> | undefined)?.errorRate) ?? 0;
  const attempts = num(last?.attempts) ?? 0;
  if (attempts > 0 && rate >= DEGRADED_ERROR_RATE)
    return { state: 'degraded', reason: `${Math.round(rate * 100)}% of the last ${attempts} attempts failed` };
  return { state: 'healthy', reason: attempts > 0 ? `${Math.round(rate * 100)}% of the last ${attempts} attempts failed` : 'no calls yet' };
}

/** The vendor cards of an upstreams report. Pure. */
export function vendorCards(report: UpstreamsReport): VendorCard[] {
  return report.subgraphs.flatMap((answer): VendorCard[] => {
    if (!answer.reachable) {
      return [
        {
          subgraph: answer.subgraph,
          vendor: answer.subgraph,
          state: 'unreachable',
          reason: `subgraph did not answer: ${answer.error}`,
          breaker: 'unknown',
          breakerRetryInMs: undefined,
          inFlight: 0,
          queued: 0,
          recent: { attempts: 0, errorRate: 0 },
          series: [],
          quota: [],
          lastErrors: [],
        },
      ];
    }
    return answer.upstreams.map((upstream) => {
      const recent = (upstream.recent ?? {}) as Record<string, unknown>;
      const quota = (upstream.quota ?? {}) as Record<string, { remaining?: unknown; resetsInMs?: unknown }>;
      return {
        subgraph: answer.subgraph,
        vendor: String(upstream.upstream ?? answer.subgraph),
        ...vendorState(upstream),
        breaker: String(upstream.breaker ?? 'closed'),
        breakerRetryInMs: num(upstream.breakerRetryInMs),
        inFlight: num(upstream.inFlight) ?? 0,
        queued: num(upstream.queued) ?? 0,
        recent: {
          attempts: num(recent.attempts) ?? 0,
          errorRate: num(recent.errorRate) ?? 0,
          p50Ms: num(recent.p50Ms),
          p99Ms: num(recent.p99Ms),
        },
        series: Array.isArray(upstream.series) ? (upstream.series as SeriesPoint[]) : [],
        quota: Object.entries(quota).map(([bucket, left]) => ({
          bucket,
          remaining: num(left.remaining) ?? 0,
          resetsInMs: num(left.resetsInMs) ?? 0,
        })),
        lastErrors: Array.isArray(upstream.lastErrors) ? (upstream.lastErrors as VendorCard['lastErrors']) : [],
      };
    });
  });
}

export type OperatorRoutesOptions = {
  telemetry: Telemetry;
  gatewayTelemetry: GatewayTelemetry;
  /** Who may see them; default open (development without ADMIN_TOKEN). */
  admin?: AdminConfig;
  subgraphs: ReadonlyArray<{ name: string; url: string }>;
  dispatcher: Dispatcher;
  /** The event pipeline's panel and redrive button; default none ("not configured"). */
  events?: EventsPanel;
};

/** GET /metrics, /status and /status.json, behind the admin guard. */
export function mountOperatorRoutes(app: Express, options: OperatorRoutesOptions): void {
  const guard = adminOnly(options.admin ?? { token: undefined, production: false });
  const store = options.telemetry.tracing?.store;

  async function report(): Promise<StatusReport> {
    const [upstreams, events] = await Promise.all([
      collectUpstreams(options.subgraphs, { dispatcher: options.dispatcher }),
      options.events?.summary(),
    ]);
    const vendors = vendorCards(upstreams);
    const gatewayCaches = options.gatewayTelemetry.cacheCounts();
    const entity = upstreams.subgraphs.reduce(
      (sum, answer) => {
        if (!answer.reachable) return sum;
        for (const upstream of answer.upstreams) {
          const counts = upstream.entityCache as { hits?: unknown; misses?: unknown } | undefined;
          sum.hits += num(counts?.hits) ?? 0;
          sum.misses += num(counts?.misses) ?? 0;
        }
        return sum;
      },
      { hits: 0, misses: 0 },
    );
    return {
      generatedAt: new Date().toISOString(),
      overall: vendors.every((vendor) => vendor.state === 'healthy') ? 'ok' : 'degraded',
      vendors,
      caches: [
        { cache: 'response', ...gatewayCaches.response },
        { cache: 'entity', ...entity },
        { cache: 'apq', ...gatewayCaches.apq },
      ],
      events,
      slowest: store ? store.slowest(5) : [],
      tracesNote: store
        ? undefined
        : 'Recent traces are not kept in this process: set STATUS_TRACES (e.g. 200) to list the slowest operations here.',
    };
  }

  app.get('/metrics', guard, metricsRoute(options.telemetry.registry));
  app.get('/status.json', guard, (_req, res, next) => {
    report().then((body) => res.json(body), next);
  });
  // A form on the page (same-origin, the admin cookie is SameSite=Strict); back to the page with the count.
  app.post('/status/redrive', guard, (_req, res, next) => {
    if (!options.events) {
      res.status(404).json({ errors: [{ message: 'No event pipeline runs with this gateway.', extensions: { code: 'NOT_FOUND' } }] });
      return;
    }
    options.events.redrive().then((redriven) => res.redirect(303, `/status?redriven=${redriven}`), next);
  });
  app.get('/status', guard, (req, res, next) => {
    const refresh = Number(req.query.refresh);
    const refreshSeconds = Number.isInteger(refresh) && refresh >= 1 && refresh <= 300 ? refresh : 10;
    report().then((body) => {
      const redriven = Number(req.query.redriven);
      res
        .set('cache-control', 'no-store')
        .type('html')
        .send(renderStatusPage(body, { refreshSeconds, ...(Number.isInteger(redriven) && redriven >= 0 ? { redriven } : {}) }));
    }, next);
  });
}
