/**
 * HubSpot's side of the event pipeline: v3 signature verification, normalization of webhook events into
 * domain changes, and the catch-up reader (search on the last-modified property from a high-water mark). The
 * launcher hands `createHubSpotAdapter` to events/; nothing here touches the database.
 */
import { Client } from '@hubspot/api-client';
import { createHmac, timingSafeEqual } from 'node:crypto';
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

/** HubSpot refuses a v3 signature whose timestamp is older than five minutes; so do we. */
export const HUBSPOT_TOLERANCE_MS = 5 * 60 * 1000;

export type HubSpotSignatureInput = {
  method: string;
  /** The full URI HubSpot called, as configured in the app's webhook settings (scheme, host, path, query). */
  url: string;
  rawBody: Buffer | string;
  /** `X-HubSpot-Signature-v3`. */
  signature: string | string[] | undefined;
  /** `X-HubSpot-Request-Timestamp`, in milliseconds. */
  timestamp: string | string[] | undefined;
  /** The app's client secrets; several during a rotation. */
  secrets: readonly string[];
  /** Maximum age in ms; default 300,000. */
  toleranceMs?: number;
  /** Current time in ms since epoch; default Date.now. */
  now?: () => number;
};

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/** base64 HMAC-SHA256(client secret, method + URI + body + timestamp), as HubSpot's v3 signature. */
function hubSpotSignature(secret: string, method: string, url: string, body: string, timestamp: string): Buffer {
  return createHmac('sha256', secret).update(`${method.toUpperCase()}${url}${body}${timestamp}`, 'utf8').digest();
}

/** Verifies a v3-signed delivery; throws SignatureError saying what to fix. */
export function verifyHubSpotSignature(input: HubSpotSignatureInput): void {
  const signature = first(input.signature);
  const timestamp = first(input.timestamp);
  if (!signature || !timestamp) {
    throw new SignatureError(
      'missing',
      'X-HubSpot-Signature-v3 and X-HubSpot-Request-Timestamp are both required: configure the app to sign with v3.',
    );
  }
  if (!/^\d{10,16}$/.test(timestamp))
    throw new SignatureError('malformed', 'X-HubSpot-Request-Timestamp must be milliseconds since the epoch.');
  if (input.secrets.length === 0)
    throw new SignatureError(
      'no-secret',
      "No HubSpot client secret is configured: set HUBSPOT_WEBHOOK_SECRETS to the app's client secret.",
    );
  const age = (input.now ?? Date.now)() - Number(timestamp);
  const tolerance = input.toleranceMs ?? HUBSPOT_TOLERANCE_MS;
  if (Math.abs(age) > tolerance) {
    throw new SignatureError(
      'stale',
      `The request timestamp is ${Math.round(age / 1000)} s away from now, beyond ${tolerance / 1000} s: a replayed delivery, or this machine's clock is off.`,
    );
  }
  const given = Buffer.from(signature, 'base64');
  const body = typeof input.rawBody === 'string' ? input.rawBody : input.rawBody.toString('utf8');
  const matched = input.secrets.some((secret) => {
    const expected = hubSpotSignature(secret, input.method, input.url, body, timestamp);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!matched) {
    throw new SignatureError(
      'mismatch',
      'The v3 signature matches no configured secret: check HUBSPOT_WEBHOOK_SECRETS, and that the public URL (PUBLIC_URL) is the one registered with HubSpot, since the URI is signed.',
    );
  }
}

/** The headers HubSpot would send for this delivery (tests, the emulator). */
export function signHubSpotPayload(options: {
  method?: string;
  url: string;
  payload: string;
  secret: string;
  timestamp?: number;
}): Record<string, string> {
  const timestamp = String(options.timestamp ?? Date.now());
  return {
    'x-hubspot-signature-v3': hubSpotSignature(options.secret, options.method ?? 'POST', options.url, options.payload, timestamp).toString(
      'base64',
    ),
    'x-hubspot-request-timestamp': timestamp,
  };
}

/** One event of a HubSpot webhook batch, as documented for v3 deliveries. */
export type HubSpotWebhookEvent = {
  eventId: number;
  subscriptionId?: number;
  portalId?: number;
  appId?: number;
  occurredAt: number;
  subscriptionType: string;
  attemptNumber?: number;
  objectId: number;
  changeSource?: string;
  propertyName?: string;
  propertyValue?: string;
  /** association changes */
  fromObjectId?: number;
  toObjectId?: number;
};

const TYPENAME: Record<
  string,
  { typename: 'Customer' | 'Company' | 'Deal'; changed: DomainChange['kind']; deleted: DomainChange['kind'] }
> = {
  contact: { typename: 'Customer', changed: 'CustomerChanged', deleted: 'CustomerDeleted' },
  company: { typename: 'Company', changed: 'CompanyChanged', deleted: 'CompanyDeleted' },
  deal: { typename: 'Deal', changed: 'DealChanged', deleted: 'DealDeleted' },
};

function isHubSpotEvent(value: unknown): value is HubSpotWebhookEvent {
  const event = value as Partial<HubSpotWebhookEvent> | null;
  return (
    typeof event === 'object' &&
    event !== null &&
    typeof event.eventId === 'number' &&
    typeof event.occurredAt === 'number' &&
    typeof event.subscriptionType === 'string' &&
    typeof event.objectId === 'number'
  );
}

/**
 * One webhook event as a domain change. HubSpot sends one event per changed property, unordered, so a property
 * change's entity is the property of the object (`contact:1001:firstname`): an older change of one property
 * never hides a newer change of another.
 */
export function toHubSpotVendorEvent(event: unknown): VendorEvent {
  if (!isHubSpotEvent(event))
    throw new PayloadError('Expected HubSpot webhook events: [{eventId, subscriptionType, objectId, occurredAt, ...}].');
  const [objectType = '', action = ''] = event.subscriptionType.split('.');
  const kind = TYPENAME[objectType];
  if (!kind) throw new PayloadError(`Unsupported subscriptionType "${event.subscriptionType}": expected contact.*, company.* or deal.*.`);
  const occurredAt = new Date(event.occurredAt);
  const entity =
    action === 'propertyChange' && event.propertyName
      ? `${objectType}:${event.objectId}:${event.propertyName}`
      : `${objectType}:${event.objectId}`;
  return {
    vendor: 'hubspot',
    id: String(event.eventId),
    type: event.subscriptionType,
    entity,
    occurredAt,
    payload: event,
    state: action === 'deletion' ? { deleted: true } : event.propertyName ? { value: event.propertyValue ?? null } : undefined,
    change: {
      kind: action === 'deletion' ? kind.deleted : kind.changed,
      source: 'hubspot',
      occurredAt: occurredAt.toISOString(),
      fields: event.propertyName ? { [event.propertyName]: event.propertyValue ?? null } : {},
      tags: [`${kind.typename}:${event.objectId}`],
    },
  };
}

/** The objects catch-up follows, each with the property it searches on and the properties it reads. */
const CATCH_UP_OBJECTS = {
  contacts: {
    objectType: 'contact',
    lastModified: 'lastmodifieddate',
    properties: ['email', 'firstname', 'lastname', 'phone', 'jobtitle', 'city', 'country'],
  },
  companies: { objectType: 'company', lastModified: 'hs_lastmodifieddate', properties: ['name', 'domain'] },
  deals: { objectType: 'deal', lastModified: 'hs_lastmodifieddate', properties: ['dealname', 'amount', 'dealstage'] },
} as const;
export type CatchUpObject = keyof typeof CATCH_UP_OBJECTS;
const CATCH_UP_ORDER: readonly CatchUpObject[] = ['contacts', 'companies', 'deals'];

/**
 * The catch-up cursor: a high-water mark (ms) per object type, so a run cut short on contacts does not hold
 * companies back. A bare number is the cursor of the contacts-only reader before it: every object starts there.
 */
function parseHubSpotCursor(cursor: CatchUpCursor): Partial<Record<CatchUpObject, number>> {
  if (cursor === null) return {};
  if (/^\d+$/.test(cursor)) return { contacts: Number(cursor), companies: Number(cursor), deals: Number(cursor) };
  try {
    const parsed = JSON.parse(cursor) as Record<string, unknown>;
    const marks: Partial<Record<CatchUpObject, number>> = {};
    for (const object of CATCH_UP_ORDER) if (typeof parsed[object] === 'number') marks[object] = parsed[object];
    return marks;
  } catch {
    throw new PayloadError(
      'The stored HubSpot catch-up cursor is not one this version wrote: delete the row of vendor "hubspot" in catch_up_cursors to start again.',
    );
  }
}

export type HubSpotAdapterOptions = {
  /** The app's client secrets; several during a rotation; default none (every delivery refused). */
  webhookSecrets?: readonly string[] | (() => readonly string[]);
  /** Signature tolerance in ms; default 300,000. */
  toleranceMs?: number;
  /** Current time in ms since epoch; default Date.now. */
  now?: () => number;
  /** Where catch-up searches (the emulator or HubSpot); default none: no catch-up. */
  api?: { baseUrl: string; accessToken: string };
  /**
   * How far before the high-water mark each search starts, in ms, so a write indexed late (search lags, clocks
   * skew) is still found; repeats are dropped by the log's unique id; default 60,000.
   */
  skewMs?: number;
  /** Largest number of objects read in one catch-up run, over all types (HubSpot's search stops at 10,000); default 2,000. */
  maxObjects?: number;
  /** The object types followed; default contacts, companies and deals. */
  objects?: readonly CatchUpObject[];
  /** Where the very first run starts, back from now, in ms; default 24 hours. */
  initialLookbackMs?: number;
  /** Pause between search pages, in ms: HubSpot allows about 4 searches a second; default 300. */
  searchIntervalMs?: number;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Retries a search answered 429 (the secondly search limit) after a pause, up to three times. */
async function paced<T>(search: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await search();
    } catch (error) {
      if ((error as { code?: number }).code !== 429 || attempt > 3) throw error;
      await sleep(1000 * attempt);
    }
  }
}

/** HubSpot's adapter for events/: v3 verification and normalization, plus catch-up when `api` is given. */
export function createHubSpotAdapter(options: HubSpotAdapterOptions): VendorAdapter {
  const now = options.now ?? Date.now;
  const client = options.api ? new Client({ accessToken: options.api.accessToken, basePath: options.api.baseUrl }) : undefined;
  return {
    vendor: 'hubspot',
    verify(request: WebhookRequest) {
      verifyHubSpotSignature({
        method: request.method,
        url: request.url,
        rawBody: request.rawBody,
        signature: request.headers['x-hubspot-signature-v3'],
        timestamp: request.headers['x-hubspot-request-timestamp'],
        secrets: typeof options.webhookSecrets === 'function' ? options.webhookSecrets() : (options.webhookSecrets ?? []),
        toleranceMs: options.toleranceMs,
        now,
      });
      let parsed: unknown;
      try {
        parsed = JSON.parse(request.rawBody.toString('utf8'));
      } catch {
        throw new PayloadError('The body is not JSON: HubSpot sends a JSON array of events.');
      }
      if (!Array.isArray(parsed) || parsed.length > 100) throw new PayloadError('Expected a JSON array of at most 100 events.');
      return parsed.map(toHubSpotVendorEvent);
    },
    ...(client
      ? {
          /**
           * Objects of each followed type modified since that type's high-water mark (ms), oldest first, one
           * synthetic event per tracked property with the object's last-modified time: the same entity keys as
           * webhook property changes, so order holds across both sources. Each mark moves to the newest
           * last-modified read of its type; a type cut short by `maxObjects` says `more` and goes on next run.
           */
          async catchUp(cursor: CatchUpCursor): Promise<CatchUpPage> {
            const marks = parseHubSpotCursor(cursor);
            const start = now() - (options.initialLookbackMs ?? 86_400_000);
            const events: VendorEvent[] = [];
            let budget = options.maxObjects ?? 2000;
            let more = false;
            let searched = false;
            for (const object of options.objects ?? CATCH_UP_ORDER) {
              if (budget <= 0) {
                more = true;
                break;
              }
              const spec = CATCH_UP_OBJECTS[object];
              const mark = marks[object] ?? start;
              const from = Math.max(0, mark - (options.skewMs ?? 60_000));
              let newest = mark;
              let after: string | undefined;
              do {
                if (searched) await sleep(options.searchIntervalMs ?? 300);
                searched = true;
                const request = {
                  filterGroups: [{ filters: [{ propertyName: spec.lastModified, operator: 'GTE' as never, value: String(from) }] }],
                  sorts: [spec.lastModified],
                  properties: [...spec.properties],
                  limit: Math.min(100, budget),
                  ...(after ? { after } : {}),
                };
                const page = await paced(() => client.crm[object].searchApi.doSearch(request));
                for (const found of page.results) {
                  const modified = Date.parse(String(found.properties[spec.lastModified] ?? found.updatedAt));
                  newest = Math.max(newest, modified);
                  for (const property of spec.properties) {
                    events.push(catchUpEvent(spec.objectType, found.id, property, found.properties[property] ?? null, modified));
                  }
                }
                budget -= page.results.length;
                after = page.paging?.next?.after;
              } while (after && budget > 0);
              // Cut short, the mark still moves to the newest read: the search is sorted by last-modified.
              marks[object] = newest;
              if (after !== undefined) more = true;
            }
            return { events, cursor: JSON.stringify(marks), more };
          },
        }
      : {}),
  };
}

const CATCH_UP_KIND: Record<string, { typename: string; kind: DomainChange['kind'] }> = {
  contact: { typename: 'Customer', kind: 'CustomerChanged' },
  company: { typename: 'Company', kind: 'CompanyChanged' },
  deal: { typename: 'Deal', kind: 'DealChanged' },
};

/** A property's value as catch-up read it, keyed like a webhook property change (same entity, own id). */
function catchUpEvent(objectType: string, objectId: string, property: string, value: string | null, modified: number): VendorEvent {
  const occurredAt = new Date(modified);
  const { typename, kind } = CATCH_UP_KIND[objectType]!;
  return {
    vendor: 'hubspot',
    id: `catch-up:${objectType}:${objectId}:${property}:${modified}`,
    type: `${objectType}.propertyChange`,
    entity: `${objectType}:${objectId}:${property}`,
    occurredAt,
    payload: { objectId: Number(objectId), propertyName: property, propertyValue: value, occurredAt: modified, changeSource: 'CATCH_UP' },
    state: { value },
    change: {
      kind,
      source: 'hubspot',
      occurredAt: occurredAt.toISOString(),
      fields: { [property]: value },
      tags: [`${typename}:${objectId}`],
    },
  };
}

/** The contact properties the CRM shows, each a HubSpot property-change subscription. */
const CONTACT_PROPERTIES = ['email', 'firstname', 'lastname', 'phone', 'jobtitle', 'city', 'country', 'erp_customer_no'];
/** The HubSpot app's webhook subscriptions Interchange needs (README, "Registering the endpoints with the real vendors"). */
export const HUBSPOT_SUBSCRIPTIONS = [
  ...['contact', 'company', 'deal'].flatMap((object) =>
    [`${object}.creation`, `${object}.deletion`, `${object}.associationChange`].map((eventType) => ({ eventType })),
  ),
  ...CONTACT_PROPERTIES.map((propertyName) => ({ eventType: 'contact.propertyChange', propertyName })),
  ...['name', 'domain'].map((propertyName) => ({ eventType: 'company.propertyChange', propertyName })),
  ...['dealname', 'amount', 'dealstage'].map((propertyName) => ({ eventType: 'deal.propertyChange', propertyName })),
];
