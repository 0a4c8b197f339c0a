/**
 * Wires the event pipeline: the database, the vendor adapters (from subgraphs/<vendor>/webhooks.ts, which
 * events/ may not import), the pipeline itself, its routes for the gateway, and, in the embedded stack, the
 * emulators' webhook subscriptions pointing at the gateway.
 */
import { z } from 'zod';
import type { HubSpotEmulator } from '../emulators/hubspot/index.js';
import type { StripeEmulator } from '../emulators/stripe/index.js';
import {
  createEventPipeline,
  eventRoutes,
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
  type Database,
  type Env,
  type Logger,
  type SharedState,
  type VendorAdapter,
} from '../platform/index.js';
import { readCrmConfig } from '../subgraphs/crm/index.js';
import { createHubSpotAdapter } from '../subgraphs/crm/webhooks.js';
import { readPaymentsConfig } from '../subgraphs/payments/index.js';
import { createStripeAdapter } from '../subgraphs/payments/webhooks.js';
import type { Router } from 'express';
import type { Registry } from 'prom-client';
import type { EventsPanel } from '../gateway/index.js';
import { buildSync, type StartedSync } from './sync.js';

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
export type EventEmulators = { stripe?: StripeEmulator; hubspot?: HubSpotEmulator };

/** The contact properties the CRM shows, each a HubSpot property-change subscription. */
const CONTACT_PROPERTIES = ['email', 'firstname', 'lastname', 'phone', 'jobtitle', 'city', 'country', 'erp_customer_no'];

/**
 * Adapters for every vendor with webhooks or a catch-up reader. Secrets come from the environment, plus the
 * ones the embedded emulators issue (`emulatorSecrets`, filled once the endpoints are registered).
 */
export function buildAdapters(source: Env, emulators: EventEmulators, emulatorSecrets: { stripe: string[] }): VendorAdapter[] {
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
  return [
    createStripeAdapter({ webhookSecrets: () => [...secrets.stripe, ...emulatorSecrets.stripe], api: stripeApi }),
    // The emulator signs with its OAuth app's client secret, as HubSpot signs with the app's.
    createHubSpotAdapter({
      webhookSecrets: [...secrets.hubspot, ...(emulators.hubspot ? ['emulator-client-secret'] : [])],
      api: hubspotApi,
    }),
  ];
}

export type StartedEvents = {
  pipeline: EventPipeline;
  /** Customer sync (propagation through the gateway); absent with SYNC=false. */
  sync?: StartedSync;
  db: Database;
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
  try {
    // Customer sync rides on the pipeline: its hook enqueues propagations in the apply transaction.
    const sync = buildSync(source, log, db);
    const pipeline = await createEventPipeline({
      db,
      state,
      log: log.child({ part: 'events' }),
      adapters: buildAdapters(source, emulators, emulatorSecrets),
      ...(sync ? { hooks: sync.engine.hooks } : {}),
      retryLimit: config.retryLimit,
      retryDelaySeconds: config.retryDelaySeconds,
      jobTimeoutSeconds: config.jobTimeoutSeconds,
      maintenanceSeconds: config.maintenanceSeconds,
    });
    await sync?.engine.attach(pipeline.boss);
    if (options.workers ?? config.inProcessWorkers) {
      await pipeline.startWorkers({ concurrency: config.concurrency, reconcileCron: config.reconcileCron });
      await sync?.engine.startWorkers({ concurrency: config.concurrency });
    }
    return {
      pipeline,
      ...(sync ? { sync } : {}),
      db,
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
          subscriptions: [
            ...['contact', 'company', 'deal'].flatMap((object) =>
              [`${object}.creation`, `${object}.deletion`, `${object}.associationChange`].map((eventType) => ({ eventType })),
            ),
            ...CONTACT_PROPERTIES.map((propertyName) => ({ eventType: 'contact.propertyChange', propertyName })),
            ...['name', 'domain'].map((propertyName) => ({ eventType: 'company.propertyChange', propertyName })),
            ...['dealname', 'amount', 'dealstage'].map((propertyName) => ({ eventType: 'deal.propertyChange', propertyName })),
          ],
        });
      },
      async close() {
        await sync?.engine.stop();
        await pipeline.close();
        if (owned) await db.close();
      },
    };
  } catch (error) {
    if (owned) await db.close();
    throw error;
  }
}
