/**
 * Wires the event pipeline: the database, the vendor adapters (from subgraphs/<vendor>/webhooks.ts, which
 * events/ may not import), the pipeline itself, its routes for the gateway, and, in the embedded stack, the
 * emulators' webhook subscriptions pointing at the gateway.
 */
import { z } from 'zod';
import { DEFAULT_ERP_USER, type ErpSoapEmulator } from '../emulators/erp-soap/index.js';
import type { HubSpotEmulator } from '../emulators/hubspot/index.js';
import type { MixpanelEmulator } from '../emulators/mixpanel/index.js';
import type { StripeEmulator } from '../emulators/stripe/index.js';
import {
  createAnalyticsReadModel,
  createAnalyticsSync,
  createEventPipeline,
  eventRoutes,
  readAnalyticsSyncConfig,
  readEventsConfig,
  registerEventMetrics,
  summarizeEvents,
  type EventPipeline,
} from '../events/index.js';
import {
  openDatabase,
  readAdminConfig,
  readDatabaseConfig,
  readEnv,
  type AnalyticsReadModel,
  type Database,
  type Env,
  type Logger,
  type SharedState,
  type VendorAdapter,
} from '../platform/index.js';
import { createExportSource } from '../subgraphs/analytics/index.js';
import { readCrmConfig } from '../subgraphs/crm/index.js';
import { HUBSPOT_SUBSCRIPTIONS, createHubSpotAdapter } from '../subgraphs/crm/webhooks.js';
import { readErpConfig, readErpFeedConfig } from '../subgraphs/erp/index.js';
import { createErpAdapter } from '../subgraphs/erp/webhooks.js';
import { readPaymentsConfig } from '../subgraphs/payments/index.js';
import { createStripeAdapter } from '../subgraphs/payments/webhooks.js';
import type { Router } from 'express';
import type { Registry } from 'prom-client';
import type { EventsPanel } from '../gateway/index.js';
import { readSyncConfig } from '../sync/index.js';
import { buildSync, type StartedSync } from './sync.js';
import { mixpanelAccess } from './analytics.js';
import { readEmulatorRateLimits, unpaced } from './part.js';

const secretList = () =>
  z
    .string()
    .optional()
    .transform((value) =>
      (value ?? '')
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean),
    );

/** The webhook secrets: several, comma-separated, during a rotation. */
export function readWebhookSecrets(source: Env): { stripe: string[]; hubspot: string[] } {
  const vars = readEnv({ STRIPE_WEBHOOK_SECRETS: secretList(), HUBSPOT_WEBHOOK_SECRETS: secretList() }, source);
  return { stripe: vars.STRIPE_WEBHOOK_SECRETS, hubspot: vars.HUBSPOT_WEBHOOK_SECRETS };
}

/** The embedded emulators, when the stack started them. */
export type EventEmulators = { stripe?: StripeEmulator; hubspot?: HubSpotEmulator; erp?: ErpSoapEmulator; mixpanel?: MixpanelEmulator };

/** The analytics read model and, where this process syncs it, the sync's timer. */
export type StartedAnalyticsSync = { readModel: AnalyticsReadModel; close(): Promise<void> };

/**
 * The analytics read model over the pipeline's database (ANALYTICS_SYNC, default on), and its sync from
 * Mixpanel's export when `run` (the processes that run workers) and Mixpanel can be reached (configured, or the
 * embedded emulator). Undefined when the sync is off.
 */
export function startAnalyticsSync(
  source: Env,
  db: Database,
  log: Logger,
  state: SharedState,
  options: { run: boolean; mixpanel?: MixpanelEmulator },
): StartedAnalyticsSync | undefined {
  const config = readAnalyticsSyncConfig(source);
  if (!config.enabled) return undefined;
  const readModel = createAnalyticsReadModel(db);
  const configured = mixpanelAccess(source);
  const access = configured ?? mixpanelAccess(source, options.mixpanel);
  if (!options.run || !access) return { readModel, close: async () => {} };
  // As for the subgraph: an emulator with its limits lifted lifts our pacing too; a real vendor's never is.
  const pacing = configured ? {} : unpaced({ emulatorRateLimits: readEmulatorRateLimits(source) }, access.quota);
  const exportSource = createExportSource({
    config: { ...access, ...pacing },
    log,
    state,
  });
  const sync = createAnalyticsSync({ db, source: exportSource, log: log.child({ part: 'analytics-sync' }), ...config });
  sync.start();
  return {
    readModel,
    async close() {
      await sync.stop();
      await exportSource.close?.();
    },
  };
}

/**
 * The ERP's change poller: over the real NAV when ERP_BASE_URL is set, else over the embedded emulator; none
 * when neither is there (a worker alone starts no emulator).
 */
function buildErpAdapter(source: Env, emulator: ErpSoapEmulator | undefined, log: Logger): VendorAdapter | undefined {
  const erp = readErpConfig(source);
  const feed = readErpFeedConfig(source);
  const endpoint =
    erp.baseUrl && erp.credentials
      ? { baseUrl: erp.baseUrl, company: erp.company, credentials: erp.credentials }
      : emulator
        ? { baseUrl: emulator.url, company: emulator.company, credentials: erp.credentials ?? DEFAULT_ERP_USER }
        : undefined;
  if (!endpoint) return undefined;
  return createErpAdapter({
    api: { ...endpoint, policy: erp.policy, log },
    pollIntervalMs: feed.pollIntervalMs ?? (erp.baseUrl ? 15_000 : 2000),
    overlapMs: feed.overlapMs,
    initialLookbackMs: feed.initialLookbackMs,
  });
}

/**
 * Adapters for every vendor with webhooks or a catch-up reader. Secrets come from the environment, plus the
 * ones the embedded emulators issue (`emulatorSecrets`, filled once the endpoints are registered).
 */
export function buildAdapters(source: Env, emulators: EventEmulators, emulatorSecrets: { stripe: string[] }, log: Logger): VendorAdapter[] {
  const secrets = readWebhookSecrets(source);
  const payments = readPaymentsConfig(source);
  const crm = readCrmConfig(source);
  const stripeApi =
    payments.baseUrl && payments.secretKey
      ? { baseUrl: payments.baseUrl, secretKey: payments.secretKey }
      : emulators.stripe
        ? { baseUrl: emulators.stripe.url, secretKey: 'sk_test_emulator' }
        : undefined;
  const hubspotApi =
    crm.baseUrl && crm.auth?.kind === 'private-app'
      ? { baseUrl: crm.baseUrl, accessToken: crm.auth.accessToken }
      : emulators.hubspot
        ? { baseUrl: emulators.hubspot.url, accessToken: 'pat-emulator' }
        : undefined;
  const erp = buildErpAdapter(source, emulators.erp, log);
  return [
    createStripeAdapter({ webhookSecrets: () => [...secrets.stripe, ...emulatorSecrets.stripe], api: stripeApi }),
    // The emulator signs with its OAuth app's client secret, as HubSpot signs with the app's.
    createHubSpotAdapter({
      webhookSecrets: [...secrets.hubspot, ...(emulators.hubspot ? ['emulator-client-secret'] : [])],
      api: hubspotApi,
    }),
    ...(erp ? [erp] : []),
  ];
}

/**
 * Runs the catch-up of every poll-only vendor (`pollIntervalMs`, the ERP) that often, one run at a time per
 * vendor, besides the reconciliation schedule. Several processes polling one database is harmless: the log
 * keeps one row per vendor event id. `stop` waits for a run in progress.
 */
export function startPolling(pipeline: EventPipeline, adapters: readonly VendorAdapter[], log: Logger): { stop(): Promise<void> } {
  let stopped = false;
  const timers = new Set<NodeJS.Timeout>();
  const running = new Set<Promise<void>>();
  for (const adapter of adapters) {
    const interval = adapter.pollIntervalMs;
    if (!adapter.catchUp || !interval) continue;
    // A vendor that is down is asked again less and less often (doubling, up to a minute), not every interval.
    let delay = interval;
    const schedule = () => {
      if (stopped) return;
      const timer = setTimeout(() => {
        timers.delete(timer);
        const run = pipeline
          .reconcile([adapter.vendor])
          .then((result) => {
            const outcome = result[adapter.vendor];
            delay = outcome?.error ? Math.min(Math.max(delay * 2, interval), Math.max(60_000, interval)) : interval;
            if (outcome?.appended) log.debug({ vendor: adapter.vendor, ...outcome }, 'poll appended changes');
          })
          .catch((error: unknown) => {
            delay = Math.min(Math.max(delay * 2, interval), Math.max(60_000, interval));
            log.warn({ err: error, vendor: adapter.vendor }, 'poll failed');
          })
          .finally(() => {
            running.delete(run);
            schedule();
          });
        running.add(run);
      }, delay);
      timers.add(timer);
    };
    schedule();
  }
  return {
    async stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.all(running);
    },
  };
}

/**
 * The read model for an analytics subgraph started alone: only over a shared PostgreSQL (PGlite belongs to the
 * one process that opened it) with ANALYTICS_SYNC on; the workers (`npm start -- worker`) run the sync.
 */
export async function openAnalyticsReadModel(source: Env): Promise<StartedAnalyticsSync | undefined> {
  const database = readDatabaseConfig(source);
  if (!database.url || !readAnalyticsSyncConfig(source).enabled) return undefined;
  const db = await openDatabase({ ...database, poolSize: 5 });
  return { readModel: createAnalyticsReadModel(db), close: () => db.close() };
}

export type StartedEvents = {
  pipeline: EventPipeline;
  /** Customer sync (propagation through the gateway); absent with SYNC=false. */
  sync?: StartedSync;
  db: Database;
  /** The analytics read model for the analytics subgraph; absent with ANALYTICS_SYNC=false. */
  analytics?: AnalyticsReadModel;
  routes: Router;
  /** What the gateway's /status shows of the pipeline, and its redrive button. */
  panel: EventsPanel;
  /** Adds the pipeline's gauges (counts by status, backlog, oldest unapplied age, refusals) to a part's registry. */
  observe(registry: Registry): void;
  /** Points the embedded emulators' webhooks at the gateway (once it listens). */
  connectEmulators(gatewayUrl: string): void;
  close(): Promise<void>;
};

/** The event pipeline of `npm start` (workers in process unless EVENTS_IN_PROCESS_WORKERS=false). */
export async function startEvents(
  source: Env,
  log: Logger,
  state: SharedState,
  emulators: EventEmulators,
  options: { workers?: boolean; database?: Database } = {},
): Promise<StartedEvents> {
  const config = readEventsConfig(source);
  // A database handed in belongs to the caller (the stack, whose sync subgraph reads it too), which closes it.
  const owned = options.database === undefined;
  const db = options.database ?? (await openDatabase(readDatabaseConfig(source)));
  const emulatorSecrets = { stripe: [] as string[] };
  const eventsLog = log.child({ part: 'events' });
  const adapters = buildAdapters(source, emulators, emulatorSecrets, eventsLog);
  try {
    const workers = options.workers ?? config.inProcessWorkers;
    // Customer sync rides on the pipeline: its hook enqueues propagations in the apply transaction.
    const sync = buildSync(source, log, db);
    const pipeline = await createEventPipeline({
      db,
      state,
      log: eventsLog,
      adapters,
      ...(sync ? { hooks: sync.engine.hooks } : {}),
      retryLimit: config.retryLimit,
      retryDelaySeconds: config.retryDelaySeconds,
      jobTimeoutSeconds: config.jobTimeoutSeconds,
      maintenanceSeconds: config.maintenanceSeconds,
      // A gateway that only ingests leaves pg-boss's maintenance and schedules to the processes running workers.
      maintenance: workers,
    });
    await sync?.engine.attach(pipeline.boss);
    if (workers) {
      await pipeline.startWorkers({ concurrency: config.concurrency, reconcileCron: config.reconcileCron });
      await sync?.engine.startWorkers({ concurrency: config.concurrency, auditCron: readSyncConfig(source).auditCron });
    }
    // Polling belongs with the workers: where they run apart, `npm start -- worker` polls.
    const polling = workers ? startPolling(pipeline, adapters, eventsLog) : undefined;
    // After the pipeline: its migrations made the read model's tables.
    const analytics = startAnalyticsSync(source, db, log, state, { run: workers, mixpanel: emulators.mixpanel });
    return {
      pipeline,
      ...(sync ? { sync } : {}),
      db,
      ...(analytics ? { analytics: analytics.readModel } : {}),
      panel: { summary: () => summarizeEvents(pipeline), redrive: () => pipeline.redrive() },
      observe: (registry) => registerEventMetrics(registry, pipeline),
      routes: eventRoutes({ pipeline, log, admin: readAdminConfig(source), publicUrl: config.publicUrl }),
      connectEmulators(gatewayUrl) {
        sync?.connect(gatewayUrl);
        if (emulators.stripe) {
          emulatorSecrets.stripe.push(
            emulators.stripe.webhooks.register({ url: `${gatewayUrl}/webhooks/stripe`, enabled_events: ['*'] }).secret,
          );
        }
        emulators.hubspot?.webhooks.configure({
          targetUrl: `${gatewayUrl}/webhooks/hubspot`,
          subscriptions: HUBSPOT_SUBSCRIPTIONS,
        });
      },
      async close() {
        await polling?.stop();
        await analytics?.close();
        await sync?.engine.stop();
        await pipeline.close();
        await Promise.all(adapters.map((adapter) => adapter.close?.()));
        if (owned) await db.close();
      },
    };
  } catch (error) {
    await Promise.all(adapters.map((adapter) => adapter.close?.()));
    if (owned) await db.close();
    throw error;
  }
}
