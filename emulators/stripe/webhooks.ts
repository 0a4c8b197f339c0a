/**
 * Stripe webhook endpoints and delivery: `POST/GET/DELETE /v1/webhook_endpoints`, and every recorded event
 * POSTed to each enabled endpoint that subscribes to its type, signed `Stripe-Signature: t=…,v1=…`
 * (HMAC-SHA256 of `t.payload` with the endpoint's `whsec_` secret, which is returned only on create), retried on
 * a schedule when the receiver fails or does not answer in time.
 */
import { Router } from 'express';
import { createHmac, randomBytes } from 'node:crypto';
import { createDeliverer, type Deliverer, type DeliveryOptions } from '../shared/delivery.js';
import type { StripeContext } from './context.js';
import { invalidRequest, noSuch } from './errors.js';
import { arrayParam, paramsOf, stringParam } from './params.js';
import type { StripeEvent } from './types.js';

export type WebhookEndpoint = {
  id: string;
  object: 'webhook_endpoint';
  url: string;
  enabled_events: string[];
  status: 'enabled' | 'disabled';
  created: number;
  livemode: false;
  api_version: string | null;
  description: string | null;
  metadata: Record<string, string>;
  secret: string;
};

export type StripeWebhooks = {
  /** Registers an endpoint as `POST /v1/webhook_endpoints` would, returning it with its secret. */
  register(params: { url: string; enabled_events?: string[] }): WebhookEndpoint;
  readonly deliverer: Deliverer;
  routes: Router;
  close(): void;
};

function sign(secret: string, payload: string, timestamp: number): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${payload}`).digest('hex')}`;
}

function subscribes(endpoint: WebhookEndpoint, type: string): boolean {
  return (
    endpoint.status === 'enabled' &&
    endpoint.enabled_events.some(
      (pattern) => pattern === '*' || pattern === type || (pattern.endsWith('.*') && type.startsWith(pattern.slice(0, -1))),
    )
  );
}

export function createStripeWebhooks(context: StripeContext, delivery: DeliveryOptions = {}): StripeWebhooks {
  const endpoints = new Map<string, WebhookEndpoint>();
  const deliverer = createDeliverer(delivery);
  const now = () => Math.floor(context.clock() / 1000);
  const publicView = ({ secret: _secret, ...rest }: WebhookEndpoint) => rest;

  const register = (params: { url: string; enabled_events?: string[] }): WebhookEndpoint => {
    if (!/^https?:\/\//.test(params.url)) throw invalidRequest('Invalid URL: must be an absolute http(s) URL.', { param: 'url' });
    const enabled = params.enabled_events ?? [];
    if (enabled.length === 0)
      throw invalidRequest('Missing required param: enabled_events.', { param: 'enabled_events', code: 'parameter_missing' });
    const endpoint: WebhookEndpoint = {
      id: context.newId('we'),
      object: 'webhook_endpoint',
      url: params.url,
      enabled_events: enabled,
      status: 'enabled',
      created: now(),
      livemode: false,
      api_version: null,
      description: null,
      metadata: {},
      secret: `whsec_${randomBytes(24).toString('hex')}`,
    };
    endpoints.set(endpoint.id, endpoint);
    return endpoint;
  };

  const unsubscribe = context.events.onEvent((event: StripeEvent) => {
    for (const endpoint of endpoints.values()) {
      if (!subscribes(endpoint, event.type)) continue;
      const payload = JSON.stringify(event, null, 2);
      deliverer.deliver({
        url: endpoint.url,
        label: event.id,
        body: () => payload,
        // Signed at each attempt with the attempt's time, as Stripe does.
        headers: (body) => ({ 'stripe-signature': sign(endpoint.secret, body, now()), 'user-agent': 'Stripe/1.0 (+emulator)' }),
      });
    }
  });

  const routes = Router();
  const url = '/v1/webhook_endpoints';
  routes.post(url, (req, res) => {
    const params = paramsOf(req);
    const endpoint = register({ url: stringParam(params, 'url', true), enabled_events: arrayParam(params.enabled_events).map(String) });
    res.json(endpoint);
  });
  routes.get(url, (_req, res) => {
    const data = [...endpoints.values()].reverse().map(publicView);
    res.json({ object: 'list', url, has_more: false, data });
  });
  routes.get(`${url}/:id`, (req, res) => {
    const endpoint = endpoints.get(String(req.params.id));
    if (!endpoint) throw noSuch('webhook endpoint', String(req.params.id));
    res.json(publicView(endpoint));
  });
  routes.delete(`${url}/:id`, (req, res) => {
    const id = String(req.params.id);
    if (!endpoints.delete(id)) throw noSuch('webhook endpoint', id);
    res.json({ id, object: 'webhook_endpoint', deleted: true });
  });

  return {
    register,
    deliverer,
    routes,
    close() {
      unsubscribe();
      deliverer.close();
    },
  };
}
