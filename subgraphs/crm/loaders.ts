import DataLoader from 'dataloader';
import type { LoaderTools } from '../kit/index.js';
import type { AssociationMap, CrmClient, CrmObjectType } from './client.js';
import { COMPANY_PROPERTIES, CONTACT_PROPERTIES, DEAL_PROPERTIES, type HubSpotObject } from './wire.js';

/** HubSpot's batch endpoints take at most 100 inputs. */
const BATCH = 100;

export type Associated = Array<{ id: string; primary: boolean }>;

/** The schema type each HubSpot object type becomes (the entity cache keeps it as long as its @cacheControl says). */
const TYPENAME: Record<CrmObjectType, string> = { contacts: 'Customer', companies: 'Company', deals: 'Deal' };

/** The associations the schema follows from each object type (Customer.company/deals, Company.customers/deals, ...). */
const FOLLOWED: Record<CrmObjectType, CrmObjectType[]> = {
  contacts: ['companies', 'deals'],
  companies: ['contacts', 'deals'],
  deals: ['companies', 'contacts'],
};

/** The per-request loaders: every entity and association lookup of one operation goes through these. */
export function createLoaders(client: CrmClient, tools: LoaderTools) {
  const maxBatchSize = tools.maxBatchSize(BATCH);
  const batchRead = (type: CrmObjectType, properties: string[], idProperty?: string) => async (keys: readonly string[]) => {
    if (keys.length === 1) {
      // One object (a customer view, its company): the single read brings its associations in the same call,
      // so following Customer.company or Company.customers costs no second round trip to HubSpot. One
      // request either way; a batch of several stays one batch read, its associations one v4 call per type.
      const found = await client.read(type, keys[0]!, { properties, associations: FOLLOWED[type], ...(idProperty ? { idProperty } : {}) });
      if (found) loaders.primeAssociations(type, found.associations);
      return [found?.object ?? null];
    }
    const found = await client.batchRead(type, keys, properties, idProperty);
    return keys.map((key) => found.get(idProperty === 'email' ? key.toLowerCase() : key) ?? null);
  };
  // By id, objects go through the shared entity cache; lookups by other unique properties go to HubSpot.
  const objects = (type: CrmObjectType, properties: string[], idProperty?: string) =>
    new DataLoader<string, HubSpotObject | null>(
      idProperty ? batchRead(type, properties, idProperty) : tools.cached(TYPENAME[type], batchRead(type, properties)),
      { maxBatchSize },
    );

  // Association lists are not cached across requests: a new contact changes its company's list.
  const associations = (from: CrmObjectType, to: CrmObjectType) =>
    new DataLoader<string, Associated>(
      async (ids) => {
        const map = await client.associations(from, to, ids);
        return ids.map((id) => map.get(id) ?? []);
      },
      { maxBatchSize },
    );

  const loaders = {
    contact: objects('contacts', CONTACT_PROPERTIES),
    contactByEmail: objects('contacts', CONTACT_PROPERTIES, 'email'),
    // erp_customer_no is defined in the portal as a unique-value property, so batch read can key by it.
    contactByErpNumber: objects('contacts', CONTACT_PROPERTIES, 'erp_customer_no'),
    company: objects('companies', COMPANY_PROPERTIES),
    deal: objects('deals', DEAL_PROPERTIES),
    contactCompanies: associations('contacts', 'companies'),
    contactDeals: associations('contacts', 'deals'),
    companyContacts: associations('companies', 'contacts'),
    companyDeals: associations('companies', 'deals'),
    dealCompanies: associations('deals', 'companies'),
    dealContacts: associations('deals', 'contacts'),

    /** Records objects a list or search already returned, so resolving them again costs no request. */
    prime(type: CrmObjectType, rows: readonly HubSpotObject[]): void {
      const loader = type === 'contacts' ? loaders.contact : type === 'companies' ? loaders.company : loaders.deal;
      for (const row of rows) loader.prime(row.id, row);
    },

    /** Records associations a list or single read returned inline (`associations=companies,deals`). */
    primeAssociations(type: CrmObjectType, byType: Map<string, AssociationMap>): void {
      const target: Partial<Record<string, DataLoader<string, Associated>>> =
        type === 'contacts'
          ? { companies: loaders.contactCompanies, deals: loaders.contactDeals }
          : type === 'companies'
            ? { contacts: loaders.companyContacts, deals: loaders.companyDeals }
            : { companies: loaders.dealCompanies, contacts: loaders.dealContacts };
      for (const [toType, map] of byType) {
        const loader = target[toType];
        if (loader) for (const [id, associated] of map) loader.prime(id, associated);
      }
    },
  };
  return loaders;
}

export type CrmLoaders = ReturnType<typeof createLoaders>;
