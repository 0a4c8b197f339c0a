import { Client } from '@hubspot/api-client';
import type { Logger } from '../../platform/index.js';
import {
  BadUserInputError,
  ConflictError,
  InterchangeError,
  UpstreamError,
  UpstreamRateLimitedError,
  UpstreamUnavailableError,
  createAbortableAgent,
  createCallPolicy,
  parseRetryAfter,
  type CallKind,
  type Failure,
  type UpstreamDetail,
  type PolicyClientOptions,
  type VendorClient,
} from '../kit/index.js';
import type { HubSpotAuth } from './config.js';
import type { HubSpotObject, SearchFilter } from './mapping.js';

const VENDOR = 'hubspot';

export type CrmObjectType = 'contacts' | 'companies' | 'deals';

export type Page = { results: HubSpotObject[]; next: string | undefined; total?: number };

/** Associated object ids, by the id they were asked for; `primary` marks HubSpot's primary association. */
export type AssociationMap = Map<string, Array<{ id: string; primary: boolean }>>;

/** The HubSpot calls the CRM subgraph makes: one generic path for contacts, companies and deals. */
export interface CrmClient extends VendorClient<CrmClient> {
  list(type: CrmObjectType, options: { limit: number; after?: string; properties: string[]; associations?: CrmObjectType[] }): Promise<Page & { associations: Map<string, AssociationMap> }>;
  /** Objects by id (or by a unique property); ids with no object are absent from the map. At most 100 ids. */
  batchRead(type: CrmObjectType, ids: readonly string[], properties: string[], idProperty?: string): Promise<Map<string, HubSpotObject>>;
  search(type: CrmObjectType, request: { filters: SearchFilter[]; query?: string; properties: string[]; limit: number; after?: string }): Promise<Page>;
  /** Associations from each of up to 1000 ids to objects of another type (v4 batch read). */
  associations(from: CrmObjectType, to: CrmObjectType, ids: readonly string[]): Promise<AssociationMap>;
  create(type: CrmObjectType, properties: Record<string, string>, associateWith?: { type: CrmObjectType; id: string; typeId: number }): Promise<HubSpotObject>;
  update(type: CrmObjectType, id: string, properties: Record<string, string>): Promise<HubSpotObject>;
}

/** Quota buckets: `default` (every call but search) and `search`. */
export type CrmClientOptions = PolicyClientOptions & {
  baseUrl: string;
  auth: HubSpotAuth;
  log: Logger;
  /** Clock for token expiry; default Date.now. */
  now?: () => number;
};

type ApiExceptionLike = { code: number; body: unknown; headers: Record<string, string> };

function isApiException(error: unknown): error is ApiExceptionLike {
  return typeof error === 'object' && error !== null && typeof (error as ApiExceptionLike).code === 'number' && 'body' in error;
}

function bodyOf(error: ApiExceptionLike): Record<string, unknown> {
  if (typeof error.body === 'object' && error.body !== null) return error.body as Record<string, unknown>;
  if (typeof error.body === 'string') {
    try {
      return JSON.parse(error.body) as Record<string, unknown>;
    } catch {
      return { message: error.body };
    }
  }
  return {};
}

/** The input field a HubSpot validation error names, as the schema calls it. */
const PROPERTY_FIELDS: Record<string, string> = {
  email: 'email', firstname: 'firstName', lastname: 'lastName', phone: 'phone', jobtitle: 'jobTitle', city: 'city',
  country: 'country', erp_customer_no: 'erpCustomerNumber',
};

/**
 * Turns whatever the SDK threw into our error classes, keeping status, correlation id and body for the log.
 * The one place HubSpot errors are read.
 */
export function toCrmError(error: unknown): InterchangeError {
  if (error instanceof InterchangeError) return error;
  if (!isApiException(error)) {
    // No HTTP response at all: refused, reset, DNS, TLS.
    return new UpstreamUnavailableError(VENDOR, { cause: error instanceof Error ? error.message : String(error) });
  }
  const body = bodyOf(error);
  const detail: UpstreamDetail = {
    status: error.code,
    vendorRequestId: typeof body.correlationId === 'string' ? body.correlationId : undefined,
    body: JSON.stringify(body).slice(0, 2000),
  };
  const message = typeof body.message === 'string' ? body.message : `HubSpot answered ${error.code}`;
  const category = body.category;
  if (error.code === 429) {
    // HubSpot sends no Retry-After: the classifier reads its window (ten seconds, or a second for search); the
    // daily quota resets at midnight, so an hour is an honest "not soon".
    const waitMs = classifyHubSpot(error).retryAfterMs;
    const retryAfter = body.policyName === 'DAILY' ? 3600 : Math.max(1, Math.ceil((waitMs ?? TEN_SECONDS_MS) / 1000));
    return new UpstreamRateLimitedError(VENDOR, retryAfter, detail);
  }
  if (error.code >= 500) return new UpstreamUnavailableError(VENDOR, detail);
  if (error.code === 409 || category === 'CONFLICT') return new ConflictError(message, { upstream: VENDOR, detail });
  if (error.code === 400 && category === 'VALIDATION_ERROR') {
    const property = validationProperty(body);
    const field = property ? `input.${PROPERTY_FIELDS[property] ?? property}` : undefined;
    return new BadUserInputError(message, field, { upstream: VENDOR, detail });
  }
  if (error.code === 401 || error.code === 403) {
    return new UpstreamError(VENDOR, 'HubSpot refused our credentials; check the CRM configuration.', detail);
  }
  return new UpstreamError(VENDOR, message, detail);
}

/** The value of a response header, whatever the case the SDK kept it in. */
function headerOf(error: ApiExceptionLike, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(error.headers ?? {})) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

/** HubSpot's ten-secondly window, when the 429 does not say its interval. */
const TEN_SECONDS_MS = 10_000;

/**
 * What the call policy needs to know about a failed HubSpot call (see kit/policy/README.md). Pure; one test per
 * rule in test/subgraphs/crm/classify.test.ts.
 */
export function classifyHubSpot(error: unknown): Failure {
  // Our own typed errors say nothing about HubSpot's health and repeating the call would not change them.
  if (error instanceof InterchangeError) return { retryable: false, countsForBreaker: false };
  // No HTTP response, or one the SDK could not read (refused, reset, cut-short JSON): HubSpot is unwell.
  if (!isApiException(error)) return { retryable: true, countsForBreaker: true };
  const status = error.code;
  if (status === 429) {
    const body = bodyOf(error);
    const message = typeof body.message === 'string' ? body.message : '';
    // The daily quota resets at midnight: no retry within a request can succeed; it surfaces as RATE_LIMITED.
    if (body.policyName === 'DAILY') return { retryable: false, status, countsForBreaker: false };
    const retryAfter = parseRetryAfter(headerOf(error, 'retry-after'));
    // Search's own limit is per second (the SDK keys on the message, which older answers carry without a policy name).
    if (body.policyName === 'SECONDLY' || /secondly limit/i.test(message)) {
      return { retryable: true, status, retryAfterMs: retryAfter ?? 1000, countsForBreaker: false };
    }
    // TEN_SECONDLY_ROLLING (or a policy we do not know): HubSpot sends no Retry-After, but says its window.
    const interval = Number(headerOf(error, 'x-hubspot-ratelimit-interval-milliseconds'));
    const windowMs = Number.isFinite(interval) && interval > 0 ? interval : TEN_SECONDS_MS;
    return { retryable: true, status, retryAfterMs: retryAfter ?? windowMs, countsForBreaker: false };
  }
  // HubSpot's own failure: another attempt may succeed, and it counts toward opening the circuit.
  if (status >= 500) return { retryable: true, status, countsForBreaker: true };
  // Any other 4xx is about our request (validation, auth, not found): final, and HubSpot is well.
  return { retryable: false, status, countsForBreaker: false };
}

function validationProperty(body: Record<string, unknown>): string | undefined {
  const errors = Array.isArray(body.errors) ? (body.errors as Array<Record<string, unknown>>) : [];
  for (const entry of errors) {
    const names = (entry.context as Record<string, unknown> | undefined)?.propertyName;
    if (Array.isArray(names) && typeof names[0] === 'string') return names[0];
  }
  const match = typeof body.message === 'string' ? body.message.match(/Property values were not valid: .*?"name":"([^"]+)"/) : null;
  return match?.[1];
}

/** HubSpot's association type ids for the unlabeled (default) association between two object types. */
export const DEFAULT_ASSOCIATION: Record<string, number> = {
  'contacts->companies': 279,
  'companies->contacts': 280,
  'deals->contacts': 3,
  'contacts->deals': 4,
  'deals->companies': 341,
  'companies->deals': 342,
};

/** HubSpot-defined type ids of primary associations: contact->company 1, company->contact 2, deal->company 5, company->deal 6. */
const PRIMARY_TYPE_IDS = new Set([1, 2, 5, 6]);

const singular = (type: string): string => (type === 'companies' ? 'company' : type.slice(0, -1));

/**
 * Passed as the last argument of every SDK call. SDK 13's generated APIs apply the middleware a Client is
 * configured with (the `httpAgent` among it) only when a call brings middleware of its own; without this our
 * agent (keep-alive pool, socket limit, abort on timeout) would silently not be used.
 */
const CONFIGURED_MIDDLEWARE = { middleware: [], middlewareMergeStrategy: 'append' as const };

/** Renews OAuth access tokens a minute before they expire, one refresh at a time. */
function createTokenSource(sdk: Client, auth: HubSpotAuth, now: () => number, log: Logger) {
  if (auth.kind === 'private-app') return { token: async () => auth.accessToken, expire: () => {} };
  let current: { token: string; expiresAt: number } | undefined;
  let refreshing: Promise<string> | undefined;
  let refreshToken = auth.refreshToken;
  const refresh = async (): Promise<string> => {
    const started = now();
    const response = await sdk.oauth.tokensApi.create('refresh_token', undefined, undefined, auth.clientId, auth.clientSecret, refreshToken, CONFIGURED_MIDDLEWARE);
    refreshToken = response.refreshToken || refreshToken;
    current = { token: response.accessToken, expiresAt: started + response.expiresIn * 1000 };
    log.info({ expiresIn: response.expiresIn }, 'hubspot access token refreshed');
    return current.token;
  };
  return {
    async token(): Promise<string> {
      if (current && current.expiresAt - 60_000 > now()) return current.token;
      refreshing ??= refresh().finally(() => {
        refreshing = undefined;
      });
      return refreshing;
    },
    /** Forgets the token: HubSpot said it expired before our clock did. */
    expire(): void {
      current = undefined;
    },
  };
}

/** How a call may be repeated and which quota it spends, per CrmClient method. */
type CallShape = { kind: CallKind; idempotent?: boolean; bucket?: 'search'; operation: string };
const READ = { kind: 'read' } as const;

export function createCrmClient(options: CrmClientOptions): CrmClient {
  // At least the bulkhead's limit, so every attempt the bulkhead admits has a socket.
  const pool = createAbortableAgent({ https: options.baseUrl.startsWith('https:'), maxSockets: Math.max(32, options.policy.bulkhead.limit) });
  // numberOfApiCallRetries and limiterOptions stay unset: the SDK keeps them in a process-wide singleton
  // (the last Client constructed wins), and retries and quotas belong to the call policy (else attempts multiply).
  const sdk = new Client({ basePath: options.baseUrl, httpAgent: pool.agent });
  const tokens = createTokenSource(sdk, options.auth, options.now ?? Date.now, options.log);
  // One policy for every call to HubSpot from this process: breaker, bulkhead and quota must see them all.
  const policy = createCallPolicy({
    upstream: VENDOR,
    classify: classifyHubSpot,
    translate: toCrmError,
    ...options.policy,
    quota: options.quota,
    ...(options.redis ? { redis: options.redis } : {}),
    observer: options.observer,
  });

  /**
   * One attempt: a fresh token, the SDK call. An expired token is renewed once inside the attempt, so the
   * renewal is part of the same call and never counts as a HubSpot failure.
   */
  async function attempt<T>(run: (client: Client) => Promise<T>): Promise<T> {
    for (let round = 1; ; round++) {
      try {
        sdk.setAccessToken(await tokens.token());
        return await run(sdk);
      } catch (error) {
        if (round === 1 && options.auth.kind === 'oauth' && isApiException(error) && error.code === 401 && bodyOf(error).category === 'EXPIRED_AUTHENTICATION') {
          tokens.expire();
          continue;
        }
        throw error;
      }
    }
  }

  const toObject = (raw: { id: string; properties: Record<string, string | null>; createdAt: Date; updatedAt: Date; archived?: boolean }): HubSpotObject => ({
    id: raw.id,
    properties: raw.properties,
    createdAt: raw.createdAt,
    updatedAt: raw.updatedAt,
    archived: raw.archived,
  });

  /** The client for one request: every call goes through the policy with that request's deadline. */
  const bind = (deadline: number | undefined): CrmClient => {
    const call = <T>(shape: CallShape, run: (client: Client) => Promise<T>): Promise<T> =>
      policy.execute({ ...shape, deadline, run: (signal) => pool.bind(signal, () => attempt(run)) });
    return {
      async list(type, { limit, after, properties, associations }) {
        const page = await call({ ...READ, operation: 'objects.list' }, (client) => client.crm.objects.basicApi.getPage(type, limit, after, properties, undefined, associations, false, CONFIGURED_MIDDLEWARE));
        // Every requested type gets an entry for every row, so "no deals" is known without another call.
        const byType = new Map<string, AssociationMap>(
          (associations ?? []).map((toType) => [toType, new Map(page.results.map((raw) => [raw.id, []]))]),
        );
        for (const raw of page.results) {
          for (const [toType, collection] of Object.entries(raw.associations ?? {})) {
            const map = byType.get(toType) ?? new Map();
            byType.set(toType, map);
            // v3 names the primary association "contact_to_company" and the plain one "..._unlabeled".
            const primaryType = `${singular(type)}_to_${singular(toType)}`;
            const entries = new Map<string, boolean>();
            for (const association of collection.results) {
              entries.set(association.id, (entries.get(association.id) ?? false) || association.type === primaryType);
            }
            map.set(raw.id, [...entries].map(([id, primary]) => ({ id, primary })));
          }
        }
        return { results: page.results.map(toObject), next: page.paging?.next?.after, associations: byType };
      },

      async batchRead(type, ids, properties, idProperty) {
        if (ids.length === 0) return new Map();
        const response = await call({ ...READ, operation: 'objects.batchRead' }, (client) =>
          client.crm.objects.batchApi.read(type, { inputs: ids.map((id) => ({ id })), properties, propertiesWithHistory: [], ...(idProperty ? { idProperty } : {}) }, false, CONFIGURED_MIDDLEWARE),
        );
        const found = new Map<string, HubSpotObject>();
        for (const raw of response.results) {
          const key = idProperty ? raw.properties[idProperty] : raw.id;
          if (key) found.set(idProperty === 'email' ? key.toLowerCase() : key, toObject(raw));
        }
        return found;
      },

      async search(type, { filters, query, properties, limit, after }) {
        const response = await call({ kind: 'read', bucket: 'search', operation: 'objects.search' }, (client) =>
          client.crm.objects.searchApi.doSearch(type, {
            filterGroups: filters.length > 0 ? [{ filters: filters as never }] : [],
            ...(query ? { query } : {}),
            // Sorting by id keeps pages stable while records change.
            sorts: ['hs_object_id'],
            properties,
            limit,
            ...(after ? { after } : {}),
          }, CONFIGURED_MIDDLEWARE),
        );
        return { results: response.results.map(toObject), next: response.paging?.next?.after, total: response.total };
      },

      async associations(from, to, ids) {
        const map: AssociationMap = new Map(ids.map((id) => [id, []]));
        if (ids.length === 0) return map;
        const response = await call({ ...READ, operation: 'associations.batchRead' }, (client) => client.crm.associations.v4.batchApi.getPage(from, to, { inputs: ids.map((id) => ({ id })) }, CONFIGURED_MIDDLEWARE));
        for (const result of response.results) {
          map.set(
            result._from.id,
            result.to.map((target) => ({
              id: String(target.toObjectId),
              primary: target.associationTypes.some((t) => PRIMARY_TYPE_IDS.has(t.typeId) || t.label === 'Primary'),
            })),
          );
        }
        return map;
      },

      async create(type, properties, associateWith) {
        const associations = associateWith
          ? [{ to: { id: associateWith.id }, types: [{ associationCategory: 'HUBSPOT_DEFINED' as never, associationTypeId: associateWith.typeId }] }]
          : [];
        // HubSpot takes no idempotency key: a create that failed may have been stored, so it is never repeated.
        return toObject(await call({ kind: 'write', operation: 'objects.create' }, (client) => client.crm.objects.basicApi.create(type, { properties, associations }, CONFIGURED_MIDDLEWARE)));
      },

      async update(type, id, properties) {
        // A PATCH that sets absolute values lands on the same record in the same state however often it is sent.
        return toObject(await call({ kind: 'write', idempotent: true, operation: 'objects.update' }, (client) => client.crm.objects.basicApi.update(type, id, { properties }, undefined, CONFIGURED_MIDDLEWARE)));
      },

      withDeadline: bind,
      upstreamState: () => policy.state(),
      close() {
        policy.dispose();
        pool.close();
      },
    };
  };
  return bind(undefined);
}
