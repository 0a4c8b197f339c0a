import { Client } from '@hubspot/api-client';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Logger } from '../../platform/index.js';
import {
  BadUserInputError,
  ConflictError,
  InterchangeError,
  UpstreamError,
  UpstreamRateLimitedError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
  type UpstreamDetail,
} from '../kit/index.js';
import type { HubSpotAuth } from './config.js';
import type { HubSpotObject, SearchFilter } from './mapping.js';

const VENDOR = 'hubspot';

export type CrmObjectType = 'contacts' | 'companies' | 'deals';

export type Page = { results: HubSpotObject[]; next: string | undefined; total?: number };

/** Associated object ids, by the id they were asked for; `primary` marks HubSpot's primary association. */
export type AssociationMap = Map<string, Array<{ id: string; primary: boolean }>>;

/** The HubSpot calls the CRM subgraph makes: one generic path for contacts, companies and deals. */
export type CrmClient = {
  list(type: CrmObjectType, options: { limit: number; after?: string; properties: string[]; associations?: CrmObjectType[] }): Promise<Page & { associations: Map<string, AssociationMap> }>;
  /** Objects by id (or by a unique property); ids with no object are absent from the map. At most 100 ids. */
  batchRead(type: CrmObjectType, ids: readonly string[], properties: string[], idProperty?: string): Promise<Map<string, HubSpotObject>>;
  search(type: CrmObjectType, request: { filters: SearchFilter[]; query?: string; properties: string[]; limit: number; after?: string }): Promise<Page>;
  /** Associations from each of up to 1000 ids to objects of another type (v4 batch read). */
  associations(from: CrmObjectType, to: CrmObjectType, ids: readonly string[]): Promise<AssociationMap>;
  create(type: CrmObjectType, properties: Record<string, string>, associateWith?: { type: CrmObjectType; id: string; typeId: number }): Promise<HubSpotObject>;
  update(type: CrmObjectType, id: string, properties: Record<string, string>): Promise<HubSpotObject>;
};

export type CrmClientOptions = {
  baseUrl: string;
  auth: HubSpotAuth;
  timeoutMs: number;
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
    const header = Number(error.headers['retry-after']);
    // HubSpot sends no Retry-After: its rolling window is ten seconds, the daily one resets at midnight.
    const retryAfter = Number.isFinite(header) && header > 0 ? header : body.policyName === 'DAILY' ? 3600 : 10;
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

/** Renews OAuth access tokens a minute before they expire, one refresh at a time. */
function createTokenSource(sdk: Client, auth: HubSpotAuth, now: () => number, log: Logger) {
  if (auth.kind === 'private-app') return { token: async () => auth.accessToken, expire: () => {} };
  let current: { token: string; expiresAt: number } | undefined;
  let refreshing: Promise<string> | undefined;
  let refreshToken = auth.refreshToken;
  const refresh = async (): Promise<string> => {
    const started = now();
    const response = await sdk.oauth.tokensApi.create('refresh_token', undefined, undefined, auth.clientId, auth.clientSecret, refreshToken);
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

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new UpstreamTimeoutError(VENDOR, { cause: `no answer within ${ms} ms` })), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function createCrmClient(options: CrmClientOptions): CrmClient {
  const agentOptions = { keepAlive: true, maxSockets: 32 };
  const httpAgent = options.baseUrl.startsWith('https:') ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
  // numberOfApiCallRetries and limiterOptions stay unset: the SDK keeps them in a process-wide singleton
  // (the last Client constructed wins), so retries and quotas belong to our own call policy instead.
  const sdk = new Client({ basePath: options.baseUrl, httpAgent });
  const tokens = createTokenSource(sdk, options.auth, options.now ?? Date.now, options.log);

  /** One vendor call: a fresh token, the timeout, errors translated; an expired token is renewed once. */
  async function call<T>(run: (client: Client) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        sdk.setAccessToken(await tokens.token());
        return await withTimeout(run(sdk), options.timeoutMs);
      } catch (error) {
        if (attempt === 1 && options.auth.kind === 'oauth' && isApiException(error) && error.code === 401 && bodyOf(error).category === 'EXPIRED_AUTHENTICATION') {
          tokens.expire();
          continue;
        }
        throw toCrmError(error);
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

  return {
    async list(type, { limit, after, properties, associations }) {
      const page = await call((client) => client.crm.objects.basicApi.getPage(type, limit, after, properties, undefined, associations, false));
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
      const response = await call((client) =>
        client.crm.objects.batchApi.read(type, { inputs: ids.map((id) => ({ id })), properties, propertiesWithHistory: [], ...(idProperty ? { idProperty } : {}) }, false),
      );
      const found = new Map<string, HubSpotObject>();
      for (const raw of response.results) {
        const key = idProperty ? raw.properties[idProperty] : raw.id;
        if (key) found.set(idProperty === 'email' ? key.toLowerCase() : key, toObject(raw));
      }
      return found;
    },

    async search(type, { filters, query, properties, limit, after }) {
      const response = await call((client) =>
        client.crm.objects.searchApi.doSearch(type, {
          filterGroups: filters.length > 0 ? [{ filters: filters as never }] : [],
          ...(query ? { query } : {}),
          // Sorting by id keeps pages stable while records change.
          sorts: ['hs_object_id'],
          properties,
          limit,
          ...(after ? { after } : {}),
        }),
      );
      return { results: response.results.map(toObject), next: response.paging?.next?.after, total: response.total };
    },

    async associations(from, to, ids) {
      const map: AssociationMap = new Map(ids.map((id) => [id, []]));
      if (ids.length === 0) return map;
      const response = await call((client) => client.crm.associations.v4.batchApi.getPage(from, to, { inputs: ids.map((id) => ({ id })) }));
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
      return toObject(await call((client) => client.crm.objects.basicApi.create(type, { properties, associations })));
    },

    async update(type, id, properties) {
      return toObject(await call((client) => client.crm.objects.basicApi.update(type, id, { properties })));
    },
  };
}
