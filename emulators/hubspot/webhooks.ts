/**
 * HubSpot app webhooks: subscriptions (`/webhooks/v3/{appId}/subscriptions`, `/webhooks/v3/{appId}/settings`,
 * authenticated with the developer `hapikey`), and the events every write through the emulator's API produces,
 * delivered in batches of up to 100 to the target URL, signed v3 (base64 HMAC-SHA256 of method + URI + body +
 * timestamp in ms with the app's client secret), retried up to 10 times with `attemptNumber` counting up.
 */
import express, { Router, type RequestHandler } from 'express';
import { createHmac } from 'node:crypto';
import { createDeliverer, type Deliverer, type DeliveryOptions } from '../shared/delivery.js';
import { HubSpotError } from './errors.js';
import type { ObjectType } from './schema.js';
import type { CrmObject, CrmStore } from './store.js';

export type Subscription = { id: number; eventType: string; propertyName?: string; active: boolean; createdAt: string };

/** One event of a delivery, as HubSpot documents it. */
export type WebhookEvent = {
  eventId: number;
  subscriptionId: number;
  portalId: number;
  appId: number;
  occurredAt: number;
  subscriptionType: string;
  attemptNumber: number;
  objectId: number;
  changeSource: string;
  propertyName?: string;
  propertyValue?: string;
  fromObjectId?: number;
  toObjectId?: number;
};

export type HubSpotWebhookOptions = DeliveryOptions & {
  /** The app id in the subscription paths and events; default 1000001. */
  appId?: number;
  /** The portal (account) id in events; default 62515. */
  portalId?: number;
  /** The developer API key (`hapikey`) of the subscription API; default 'emulator-developer-key'. */
  developerApiKey?: string;
  /** How long events gather before a batch goes out, in ms; default 50. */
  batchWindowMs?: number;
};

export type HubSpotWebhooks = {
  /** Sets the target URL and subscribes, as the settings and subscriptions APIs would (the embedded stack). */
  configure(settings: { targetUrl: string; subscriptions: Array<{ eventType: string; propertyName?: string }> }): void;
  readonly deliverer: Deliverer;
  readonly routes: Router;
  close(): void;
};

const SINGULAR: Record<ObjectType, string> = { contacts: 'contact', companies: 'company', deals: 'deal' };
const EVENT_TYPES = ['creation', 'deletion', 'propertyChange', 'associationChange'];
/** HubSpot tries a failed delivery up to 10 times; compressed here by default (tests compress further). */
const DEFAULT_SCHEDULE = [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 120_000, 240_000];

export function createHubSpotWebhooks(
  store: CrmStore,
  clock: () => number,
  clientSecret: string,
  options: HubSpotWebhookOptions = {},
): HubSpotWebhooks {
  const appId = options.appId ?? 1000001;
  const portalId = options.portalId ?? 62515;
  const deliverer = createDeliverer({ retryScheduleMs: DEFAULT_SCHEDULE, ...options });
  const subscriptions = new Map<number, Subscription>();
  let targetUrl: string | undefined;
  let nextSubscriptionId = 100;
  let nextEventId = 1_000_000;
  let batch: Array<Omit<WebhookEvent, 'attemptNumber'>> = [];
  let timer: NodeJS.Timeout | undefined;

  const flush = () => {
    timer = undefined;
    const url = targetUrl;
    while (batch.length > 0 && url) {
      const events = batch.splice(0, 100);
      deliverer.deliver({
        url,
        label: events.map((event) => event.eventId).join(','),
        body: (attempt) => JSON.stringify(events.map((event) => ({ ...event, attemptNumber: attempt - 1 }))),
        headers: (body) => {
          const timestamp = String(clock());
          const signature = createHmac('sha256', clientSecret).update(`POST${url}${body}${timestamp}`).digest('base64');
          return { 'x-hubspot-signature-v3': signature, 'x-hubspot-request-timestamp': timestamp };
        },
      });
    }
    batch = [];
  };

  const emit = (type: ObjectType, action: string, objectId: string, extra: Partial<WebhookEvent> = {}) => {
    const subscriptionType = `${SINGULAR[type]}.${action}`;
    const subscription = [...subscriptions.values()].find(
      (candidate) =>
        candidate.active &&
        candidate.eventType === subscriptionType &&
        (action !== 'propertyChange' || candidate.propertyName === extra.propertyName),
    );
    if (!subscription || !targetUrl) return;
    batch.push({
      eventId: nextEventId++,
      subscriptionId: subscription.id,
      portalId,
      appId,
      occurredAt: clock(),
      subscriptionType,
      objectId: Number(objectId),
      changeSource: 'API',
      ...extra,
    });
    if (batch.length >= 100) flush();
    else timer ??= setTimeout(flush, options.batchWindowMs ?? 50);
  };

  // Every write through the API goes through these store methods; seeding does not, so it sends nothing.
  const { create, update, archive, associate } = store;
  store.create = (type, properties, now) => {
    const object = create.call(store, type, properties, now);
    emit(type, 'creation', object.id);
    return object;
  };
  store.update = (object: CrmObject, properties, now) => {
    const before = { ...object.properties };
    const updated = update.call(store, object, properties, now);
    for (const [name, value] of Object.entries(properties)) {
      if (before[name] !== value) emit(object.type, 'propertyChange', object.id, { propertyName: name, propertyValue: value ?? '' });
    }
    return updated;
  };
  store.archive = (object: CrmObject, now) => {
    archive.call(store, object, now);
    emit(object.type, 'deletion', object.id);
  };
  store.associate = (fromType, fromId, toType, toId, primary) => {
    associate.call(store, fromType, fromId, toType, toId, primary);
    emit(fromType, 'associationChange', fromId, { fromObjectId: Number(fromId), toObjectId: Number(toId) });
  };

  const subscribe = (eventType: string, propertyName: string | undefined): Subscription => {
    const [object, action] = eventType.split('.');
    if (!object || !Object.values(SINGULAR).includes(object) || !action || !EVENT_TYPES.includes(action)) {
      throw new HubSpotError(
        400,
        'VALIDATION_ERROR',
        `Unknown eventType "${eventType}": expected <contact|company|deal>.<${EVENT_TYPES.join('|')}>.`,
      );
    }
    if (action === 'propertyChange' && !propertyName)
      throw new HubSpotError(400, 'VALIDATION_ERROR', 'propertyName is required for propertyChange subscriptions.');
    const subscription: Subscription = {
      id: nextSubscriptionId++,
      eventType,
      ...(propertyName ? { propertyName } : {}),
      active: true,
      createdAt: new Date(clock()).toISOString(),
    };
    subscriptions.set(subscription.id, subscription);
    return subscription;
  };

  const developerKey: RequestHandler = (req, _res, next) => {
    if (Number(req.params.appId) !== appId) throw new HubSpotError(404, 'OBJECT_NOT_FOUND', `No app ${req.params.appId}.`);
    if (req.query.hapikey !== (options.developerApiKey ?? 'emulator-developer-key')) {
      throw new HubSpotError(401, 'INVALID_AUTHENTICATION', 'The developer API key (hapikey) is missing or wrong.');
    }
    next();
  };
  const routes = Router();
  const base = '/webhooks/v3/:appId';
  routes.use(base, express.json({ limit: '100kb' }), developerKey);
  routes.get(`${base}/subscriptions`, (_req, res) => {
    res.json({ results: [...subscriptions.values()] });
  });
  routes.post(`${base}/subscriptions`, (req, res) => {
    const body = (req.body ?? {}) as { eventType?: unknown; propertyName?: unknown };
    res.status(201).json(subscribe(String(body.eventType ?? ''), typeof body.propertyName === 'string' ? body.propertyName : undefined));
  });
  routes.delete(`${base}/subscriptions/:id`, (req, res) => {
    if (!subscriptions.delete(Number(req.params.id))) throw new HubSpotError(404, 'OBJECT_NOT_FOUND', `No subscription ${req.params.id}.`);
    res.status(204).end();
  });
  routes.get(`${base}/settings`, (_req, res) => {
    res.json({ targetUrl: targetUrl ?? null, throttling: { maxConcurrentRequests: 10, period: 'SECONDLY' } });
  });
  routes.put(`${base}/settings`, (req, res) => {
    const url = (req.body as { targetUrl?: unknown } | undefined)?.targetUrl;
    if (typeof url !== 'string' || !/^https?:\/\//.test(url))
      throw new HubSpotError(400, 'VALIDATION_ERROR', 'targetUrl must be an absolute http(s) URL.');
    targetUrl = url;
    res.json({ targetUrl, throttling: { maxConcurrentRequests: 10, period: 'SECONDLY' } });
  });

  return {
    configure(settings) {
      targetUrl = settings.targetUrl;
      for (const { eventType, propertyName } of settings.subscriptions) subscribe(eventType, propertyName);
    },
    deliverer,
    routes,
    close() {
      if (timer) clearTimeout(timer);
      deliverer.close();
    },
  };
}
