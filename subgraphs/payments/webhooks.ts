/**
 * Stripe's side of the event pipeline: webhook signature verification, normalization of Stripe events into
 * domain changes, and the catch-up reader over `GET /v1/events`. The launcher hands `createStripeAdapter` to
 * events/; nothing here touches the database.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import Stripe from 'stripe';
import {
  PayloadError,
  SignatureError,
  type CatchUpCursor,
  type CatchUpPage,
  type DomainChange,
  type VendorAdapter,
  type VendorEvent,
  type WebhookRequest,
} from '../../platform/index.js';
import { toStripeEndpoint } from './config.js';

/** Stripe's documented default: a signature older than five minutes is refused (replay protection). */
export const STRIPE_TOLERANCE_SECONDS = 300;

export type StripeSignatureInput = {
  /** The request body exactly as received. */
  rawBody: Buffer | string;
  /** The `Stripe-Signature` header. */
  header: string | string[] | undefined;
  /** Every endpoint secret currently valid (`whsec_…`); several while a secret is being rolled. */
  secrets: readonly string[];
  /** Maximum age of the signed timestamp in seconds; default 300. */
  toleranceSeconds?: number;
  /** Current time in ms since epoch; default Date.now. */
  now?: () => number;
};

/**
 * Verifies `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…]`: each v1 is HMAC-SHA256(secret, "t.body").
 * Accepts when any v1 matches any secret and t is within the tolerance; throws SignatureError saying what to fix.
 */
export function verifyStripeSignature(input: StripeSignatureInput): void {
  const header = Array.isArray(input.header) ? input.header[0] : input.header;
  if (!header)
    throw new SignatureError('missing', 'No Stripe-Signature header: the request was not sent by Stripe, or a proxy removed the header.');
  if (input.secrets.length === 0)
    throw new SignatureError(
      'no-secret',
      'No Stripe webhook secret is configured: set STRIPE_WEBHOOK_SECRETS to the whsec_… secret of the endpoint.',
    );
  const parts = header.split(',').map((part) => part.trim().split('='));
  const timestamp = Number(parts.find(([key]) => key === 't')?.[1]);
  const signatures = parts.filter(([key, value]) => key === 'v1' && value).map(([, value]) => value!);
  if (!Number.isInteger(timestamp) || signatures.length === 0) {
    throw new SignatureError('malformed', 'The Stripe-Signature header must look like "t=<unix seconds>,v1=<hex signature>".');
  }
  const body = typeof input.rawBody === 'string' ? input.rawBody : input.rawBody.toString('utf8');
  const matched = input.secrets.some((secret) => {
    const expected = Buffer.from(stripeSignature(secret, timestamp, body), 'hex');
    return signatures.some((candidate) => {
      const given = Buffer.from(candidate, 'hex');
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
  });
  if (!matched) {
    throw new SignatureError(
      'mismatch',
      "No v1 signature matches the configured secrets: check STRIPE_WEBHOOK_SECRETS against the endpoint's signing secret, and that the body reaches us unmodified.",
    );
  }
  const ageSeconds = Math.floor((input.now ?? Date.now)() / 1000) - timestamp;
  const tolerance = input.toleranceSeconds ?? STRIPE_TOLERANCE_SECONDS;
  if (Math.abs(ageSeconds) > tolerance) {
    throw new SignatureError(
      'stale',
      `The signature's timestamp is ${ageSeconds} s away from now, beyond the ${tolerance} s tolerance: a replayed delivery, or this machine's clock is off.`,
    );
  }
}

function stripeSignature(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
}

/** The `Stripe-Signature` header Stripe would send for this body (tests, the emulator). */
export function signStripePayload(options: { payload: string; secret: string; timestamp?: number }): string {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  return `t=${timestamp},v1=${stripeSignature(options.secret, timestamp, options.payload)}`;
}

type StripeEventShape = {
  id: string;
  type: string;
  created: number;
  data: { object: Record<string, unknown> & { id?: string; object?: string }; previous_attributes?: Record<string, unknown> };
};

function isStripeEvent(value: unknown): value is StripeEventShape {
  const event = value as Partial<StripeEventShape> | null;
  return (
    typeof event === 'object' &&
    event !== null &&
    typeof event.id === 'string' &&
    typeof event.type === 'string' &&
    typeof event.created === 'number' &&
    typeof event.data?.object === 'object' &&
    event.data.object !== null
  );
}

/**
 * One Stripe event as a domain change. Customers are tagged by email (the payments subgraph's Customer key),
 * both the new and, when it changed, the previous one; invoices carry `customer_email`. Other objects change
 * no cached entity of ours and purge nothing, but are still logged.
 */
export function toStripeVendorEvent(event: unknown): VendorEvent {
  if (!isStripeEvent(event)) throw new PayloadError('Expected a Stripe event: {id, type, created, data: {object}}.');
  const object = event.data.object;
  const previous = event.data.previous_attributes ?? {};
  const emails = new Set<string>();
  const email =
    typeof object.email === 'string' ? object.email : typeof object.customer_email === 'string' ? object.customer_email : undefined;
  if (email) emails.add(email);
  if (typeof previous.email === 'string') emails.add(previous.email);
  const occurredAt = new Date(event.created * 1000);
  const isCustomer = object.object === 'customer';
  const change: DomainChange = {
    kind: isCustomer ? (event.type === 'customer.deleted' ? 'CustomerDeleted' : 'CustomerChanged') : 'BillingChanged',
    source: 'stripe',
    occurredAt: occurredAt.toISOString(),
    ...(email ? { email } : {}),
    fields: isCustomer
      ? pick(object, Object.keys(previous).length > 0 ? Object.keys(previous) : ['email', 'name', 'phone'])
      : { id: object.id, object: object.object },
    tags: [...emails].map((address) => `Customer:${address}`),
  };
  return {
    vendor: 'stripe',
    id: event.id,
    type: event.type,
    entity: `${object.object ?? 'object'}:${object.id ?? event.id}`,
    occurredAt,
    payload: event,
    state: object,
    change,
  };
}

function pick(object: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((key) => [key, object[key] ?? null]));
}

export type StripeAdapterOptions = {
  /** Endpoint secrets (`whsec_…`) accepted; several during a rotation; default none (every delivery refused). */
  webhookSecrets?: readonly string[] | (() => readonly string[]);
  /** Signature tolerance in seconds; default 300. */
  toleranceSeconds?: number;
  /** Current time in ms since epoch; default Date.now. */
  now?: () => number;
  /** Where catch-up reads `GET /v1/events` (the emulator or Stripe); default none: no catch-up. */
  api?: { baseUrl: string; secretKey: string };
  /** Catch-up starts this many seconds before the newest event seen, re-reading (and deduplicating) ties; default 60. */
  overlapSeconds?: number;
};

/** Stripe's adapter for events/: verification and normalization, plus catch-up when `api` is given. */
export function createStripeAdapter(options: StripeAdapterOptions): VendorAdapter {
  const stripe = options.api
    ? new Stripe(options.api.secretKey, { ...toStripeEndpoint(options.api.baseUrl), maxNetworkRetries: 2, telemetry: false })
    : undefined;
  const overlap = options.overlapSeconds ?? 60;
  return {
    vendor: 'stripe',
    verify(request: WebhookRequest) {
      verifyStripeSignature({
        rawBody: request.rawBody,
        header: request.headers['stripe-signature'],
        secrets: typeof options.webhookSecrets === 'function' ? options.webhookSecrets() : (options.webhookSecrets ?? []),
        toleranceSeconds: options.toleranceSeconds,
        now: options.now,
      });
      let parsed: unknown;
      try {
        parsed = JSON.parse(request.rawBody.toString('utf8'));
      } catch {
        throw new PayloadError('The body is not JSON: Stripe sends one event as a JSON object.');
      }
      return [toStripeVendorEvent(parsed)];
    },
    ...(stripe
      ? {
          /**
           * Stripe lists events newest first and keeps 30 days. The cursor is the newest `created` (seconds) seen;
           * the next read asks `created[gte]` a little before it, so events that share a second or were recorded
           * late are read again, and the log's unique vendor id drops the repeats.
           */
          async catchUp(cursor: CatchUpCursor): Promise<CatchUpPage> {
            const since = cursor === null ? Math.floor((options.now ?? Date.now)() / 1000) - 30 * 86_400 : Number(cursor) - overlap;
            const events: VendorEvent[] = [];
            let newest = cursor === null ? since : Number(cursor);
            for await (const event of stripe.events.list({ created: { gte: since }, limit: 100 })) {
              events.push(toStripeVendorEvent(event));
              newest = Math.max(newest, event.created);
            }
            return { events: events.reverse(), cursor: String(newest), more: false };
          },
        }
      : {}),
  };
}
