import { Client } from '@hubspot/api-client';
import type { Logger } from '../../platform/index.js';
import {
  createAbortableAgent,
  createVendorClient,
  type OperationTable,
  type PolicyClientOptions,
  type VendorClient,
} from '../kit/index.js';
import { createTokenSource } from './auth.js';
import type { HubSpotAuth } from './config.js';
import { HUBSPOT, isApiException, isExpiredToken } from './errors.js';
import type { SearchFilter } from './search.js';
import type { HubSpotObject } from './wire.js';

export type CrmObjectType = 'contacts' | 'companies' | 'deals';

export type Page = { results: HubSpotObject[]; next: string | undefined; total?: number };

/** Associated object ids, by the id they were asked for; `primary` marks HubSpot's primary association. */
export type AssociationMap = Map<string, Array<{ id: string; primary: boolean }>>;

/** The HubSpot calls the CRM subgraph makes: one generic path for contacts, companies and deals. */
export interface CrmClient extends VendorClient<CrmClient> {
  list(
    type: CrmObjectType,
    options: { limit: number; after?: string; properties: string[]; associations?: CrmObjectType[] },
  ): Promise<Page & { associations: Map<string, AssociationMap> }>;
  /**
   * One object by id (or by a unique property) with its associations to `associations` in the same call (v3
   * GET), null when there is none. A type whose inline list HubSpot paged is absent from `associations`.
   */
  read(
    type: CrmObjectType,
    id: string,
    options: { properties: string[]; associations: CrmObjectType[]; idProperty?: string },
  ): Promise<{ object: HubSpotObject; associations: Map<string, AssociationMap> } | null>;
  /** Objects by id (or by a unique property); ids with no object are absent from the map. At most 100 ids. */
  batchRead(type: CrmObjectType, ids: readonly string[], properties: string[], idProperty?: string): Promise<Map<string, HubSpotObject>>;
  search(
    type: CrmObjectType,
    request: { filters: SearchFilter[]; query?: string; properties: string[]; limit: number; after?: string },
  ): Promise<Page>;
  /** Associations from each of up to 1000 ids to objects of another type (v4 batch read). */
  associations(from: CrmObjectType, to: CrmObjectType, ids: readonly string[]): Promise<AssociationMap>;
  create(
    type: CrmObjectType,
    properties: Record<string, string>,
    associateWith?: { type: CrmObjectType; id: string; typeId: number },
  ): Promise<HubSpotObject>;
  update(type: CrmObjectType, id: string, properties: Record<string, string>): Promise<HubSpotObject>;
  /**
   * Up to 100 objects in one call (v3 batch update). HubSpot checks every input before writing any; ids it has
   * no object for come back in `missing` (its 207 multi-status) while the others are written.
   */
  batchUpdate(
    type: CrmObjectType,
    inputs: ReadonlyArray<{ id: string; properties: Record<string, string> }>,
  ): Promise<{ results: HubSpotObject[]; missing: string[] }>;
  /** DELETE: HubSpot archives the object (restorable for 90 days); archiving one already archived is a no-op. */
  archive(type: CrmObjectType, id: string): Promise<void>;
}

/** Quota buckets: `default` (every call but search) and `search` (see OPERATIONS). */
export type CrmClientOptions = PolicyClientOptions & {
  baseUrl: string;
  auth: HubSpotAuth;
  log: Logger;
  /** Clock for token expiry; default Date.now. */
  now?: () => number;
};

/**
 * Every HubSpot call the client makes: what is repeated and which quota it spends. HubSpot takes no
 * idempotency key, so a create that failed may have been stored and is never repeated; an update is a PATCH
 * of absolute values, which lands on the same state however often it is sent.
 */
export const OPERATIONS = {
  list: { kind: 'read' },
  read: { kind: 'read' },
  batchRead: { kind: 'read' },
  search: { kind: 'read', bucket: 'search' },
  associations: { kind: 'read' },
  create: { kind: 'write' },
  update: { kind: 'write', idempotent: true },
  // Absolute values too, so repeating the whole batch lands on the same state.
  batchUpdate: { kind: 'write', idempotent: true },
  // Archiving lands on the same state however often it is sent (HubSpot answers 204 again).
  archive: { kind: 'write', idempotent: true },
} as const satisfies OperationTable<string>;

type Operation = keyof typeof OPERATIONS;

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

type InlineAssociations = Record<string, { results: Array<{ id: string; type: string }>; paging?: { next?: unknown } }>;

/**
 * The associations a v3 read or list returned inline (`associations=companies,deals`), by type and then by the
 * row's id. Every requested type gets an entry for every row, so "no deals" is known without another call
 * (HubSpot leaves out a type with none). A type HubSpot paged (`paging.next`) is left out for every row:
 * its list is incomplete, so the association loader asks the v4 API instead.
 */
function inlineAssociations(
  type: CrmObjectType,
  rows: ReadonlyArray<{ id: string; associations?: InlineAssociations }>,
  requested: readonly CrmObjectType[],
): Map<string, AssociationMap> {
  const byType = new Map<string, AssociationMap>(requested.map((toType) => [toType, new Map(rows.map((raw) => [raw.id, []]))]));
  for (const raw of rows) {
    for (const [toType, collection] of Object.entries(raw.associations ?? {})) {
      const map = byType.get(toType) ?? new Map();
      byType.set(toType, map);
      // v3 names the primary association "contact_to_company" and the plain one "..._unlabeled".
      const primaryType = `${singular(type)}_to_${singular(toType)}`;
      const entries = new Map<string, boolean>();
      for (const association of collection.results) {
        entries.set(association.id, (entries.get(association.id) ?? false) || association.type === primaryType);
      }
      map.set(
        raw.id,
        [...entries].map(([id, primary]) => ({ id, primary })),
      );
    }
  }
  for (const raw of rows) {
    for (const [toType, collection] of Object.entries(raw.associations ?? {})) if (collection.paging?.next) byType.delete(toType);
  }
  return byType;
}

/**
 * Passed as the last argument of every SDK call. SDK 13's generated APIs apply the middleware a Client is
 * configured with (the `httpAgent` among it) only when a call brings middleware of its own; without this our
 * agent (keep-alive pool, socket limit, abort on timeout) would silently not be used.
 */
const CONFIGURED_MIDDLEWARE = { middleware: [], middlewareMergeStrategy: 'append' as const };

export function createCrmClient(options: CrmClientOptions): CrmClient {
  // At least the bulkhead's limit, so every attempt the bulkhead admits has a socket.
  const pool = createAbortableAgent({
    https: options.baseUrl.startsWith('https:'),
    maxSockets: Math.max(32, options.policy.bulkhead.limit),
  });
  // numberOfApiCallRetries and limiterOptions stay unset: the SDK keeps them in a process-wide singleton
  // (the last Client constructed wins), and retries and quotas belong to the call policy (else attempts multiply).
  const sdk = new Client({ basePath: options.baseUrl, httpAgent: pool.agent });
  const tokens = createTokenSource(
    options.auth,
    (refreshToken) =>
      options.auth.kind === 'oauth'
        ? sdk.oauth.tokensApi.create(
            'refresh_token',
            undefined,
            undefined,
            options.auth.clientId,
            options.auth.clientSecret,
            refreshToken,
            CONFIGURED_MIDDLEWARE,
          )
        : Promise.reject(new Error('a private-app token is never refreshed')),
    options.now ?? Date.now,
    options.log,
  );

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
        if (round === 1 && options.auth.kind === 'oauth' && isExpiredToken(error)) {
          tokens.expire();
          continue;
        }
        throw error;
      }
    }
  }

  const toObject = (raw: {
    id: string;
    properties: Record<string, string | null>;
    createdAt: Date;
    updatedAt: Date;
    archived?: boolean;
  }): HubSpotObject => ({
    id: raw.id,
    properties: raw.properties,
    createdAt: raw.createdAt,
    updatedAt: raw.updatedAt,
    archived: raw.archived,
  });

  return createVendorClient<CrmClient, Operation>(options, {
    ...HUBSPOT,
    operations: OPERATIONS,
    close: () => pool.close(),
    methods: (callPolicy) => {
      const call = <T>(operation: Operation, run: (client: Client) => Promise<T>): Promise<T> =>
        callPolicy(operation, (signal) => pool.bind(signal, () => attempt(run)));
      return {
        async list(type, { limit, after, properties, associations }) {
          const page = await call('list', (client) =>
            client.crm.objects.basicApi.getPage(type, limit, after, properties, undefined, associations, false, CONFIGURED_MIDDLEWARE),
          );
          return {
            results: page.results.map(toObject),
            next: page.paging?.next?.after,
            associations: inlineAssociations(type, page.results, associations ?? []),
          };
        },

        async read(type, id, { properties, associations, idProperty }) {
          const raw = await call('read', (client) =>
            client.crm.objects.basicApi
              .getById(type, id, properties, undefined, associations, false, idProperty, CONFIGURED_MIDDLEWARE)
              // No such object is an answer, not a failure: it must not count against HubSpot's health.
              .catch((error: unknown) => (isApiException(error) && error.code === 404 ? null : Promise.reject(error))),
          );
          return raw ? { object: toObject(raw), associations: inlineAssociations(type, [raw], associations) } : null;
        },

        async batchRead(type, ids, properties, idProperty) {
          if (ids.length === 0) return new Map();
          const response = await call('batchRead', (client) =>
            client.crm.objects.batchApi.read(
              type,
              { inputs: ids.map((id) => ({ id })), properties, propertiesWithHistory: [], ...(idProperty ? { idProperty } : {}) },
              false,
              CONFIGURED_MIDDLEWARE,
            ),
          );
          const found = new Map<string, HubSpotObject>();
          for (const raw of response.results) {
            const key = idProperty ? raw.properties[idProperty] : raw.id;
            if (key) found.set(idProperty === 'email' ? key.toLowerCase() : key, toObject(raw));
          }
          return found;
        },

        async search(type, { filters, query, properties, limit, after }) {
          const response = await call('search', (client) =>
            client.crm.objects.searchApi.doSearch(
              type,
              {
                filterGroups: filters.length > 0 ? [{ filters: filters as never }] : [],
                ...(query ? { query } : {}),
                // Sorting by id keeps pages stable while records change.
                sorts: ['hs_object_id'],
                properties,
                limit,
                ...(after ? { after } : {}),
              },
              CONFIGURED_MIDDLEWARE,
            ),
          );
          return { results: response.results.map(toObject), next: response.paging?.next?.after, total: response.total };
        },

        async associations(from, to, ids) {
          const map: AssociationMap = new Map(ids.map((id) => [id, []]));
          if (ids.length === 0) return map;
          const response = await call('associations', (client) =>
            client.crm.associations.v4.batchApi.getPage(from, to, { inputs: ids.map((id) => ({ id })) }, CONFIGURED_MIDDLEWARE),
          );
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
            ? [
                {
                  to: { id: associateWith.id },
                  types: [{ associationCategory: 'HUBSPOT_DEFINED' as never, associationTypeId: associateWith.typeId }],
                },
              ]
            : [];
          return toObject(
            await call('create', (client) => client.crm.objects.basicApi.create(type, { properties, associations }, CONFIGURED_MIDDLEWARE)),
          );
        },

        async update(type, id, properties) {
          return toObject(
            await call('update', (client) =>
              client.crm.objects.basicApi.update(type, id, { properties }, undefined, CONFIGURED_MIDDLEWARE),
            ),
          );
        },

        async batchUpdate(type, inputs) {
          if (inputs.length === 0) return { results: [], missing: [] };
          const response = await call('batchUpdate', (client) =>
            client.crm.objects.batchApi.update(
              type,
              { inputs: inputs.map(({ id, properties }) => ({ id, properties })) },
              CONFIGURED_MIDDLEWARE,
            ),
          );
          const missing =
            'errors' in response && response.errors
              ? response.errors.flatMap((error) => (error.category === 'OBJECT_NOT_FOUND' ? (error.context?.ids ?? []) : []))
              : [];
          return { results: response.results.map(toObject), missing };
        },

        async archive(type, id) {
          await call('archive', (client) => client.crm.objects.basicApi.archive(type, id, CONFIGURED_MIDDLEWARE));
        },
      };
    },
  });
}
