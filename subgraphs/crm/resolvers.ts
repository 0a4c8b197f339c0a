import { BadUserInputError, readPageArgs, validInput, scalarResolvers, toConnection, type Connection } from '../kit/index.js';
import type { Resolvers } from './__generated__/resolvers.js';
import { DEFAULT_ASSOCIATION, type CrmObjectType } from './client.js';
import type { Context } from './context.js';
import { contactInput, toContactProperties } from './input.js';
import { companyAndDealResolvers, companyIdOf, dealIdsOf, required } from './relations.js';
import { toCompany, toCustomer, toDeal, toStageId } from './mapping.js';
import { toContactSearch, type SearchFilter } from './search.js';
import { COMPANY_PROPERTIES, CONTACT_PROPERTIES, DEAL_PROPERTIES, type HubSpotObject } from './wire.js';

/** HubSpot pages at most 100 objects on list and 200 on search; one page size keeps cursors interchangeable. */
const MAX_PAGE = 100;
/** HubSpot's batch endpoints take at most 100 inputs. */
const MAX_BATCH = 100;

/** A page of a list or search as a connection; the rows are primed so nested lookups cost nothing. */
async function listObjects<Node>(
  context: Context,
  type: CrmObjectType,
  args: { first?: number | null; after?: string | null },
  search: { filters: SearchFilter[]; query?: string } | null,
  properties: string[],
  toNode: (row: HubSpotObject) => Node,
  inlineAssociations: CrmObjectType[] = [],
): Promise<Connection<Node>> {
  const request = readPageArgs(args, MAX_PAGE);
  const { client, loaders } = context;
  if (search && (search.filters.length > 0 || search.query)) {
    const page = await client.search(type, { ...search, properties, limit: request.limit, after: request.vendorAfter });
    loaders.prime(type, page.results);
    return toConnection(request, page.results, page.next, toNode, page.total);
  }
  const page = await client.list(type, { limit: request.limit, after: request.vendorAfter, properties, associations: inlineAssociations });
  loaders.prime(type, page.results);
  loaders.primeAssociations(type, page.associations);
  return toConnection(request, page.results, page.next, toNode, null);
}

export function createResolvers(defaultCurrency: string): Resolvers {
  const deal = (row: HubSpotObject) => toDeal(row, defaultCurrency);
  return {
    ...scalarResolvers,
    Query: {
      customer: (_, { id }, { loaders }) => required(loaders.contact.load(id), 'Customer', id).then(toCustomer),
      customersById: async (_, { ids }, { loaders }) => {
        if (ids.length === 0 || ids.length > MAX_BATCH) throw new BadUserInputError(`ids must hold 1 to ${MAX_BATCH} ids.`, 'ids');
        const rows = await loaders.contact.loadMany(ids);
        // A failed read is an error, not "no such customer": a caller must not take one for the other.
        const failed = rows.find((row): row is Error => row instanceof Error);
        if (failed) throw failed;
        return rows.map((row) => (row && !(row instanceof Error) ? toCustomer(row) : null));
      },
      customerByEmail: (_, { email }, { loaders }) => required(loaders.contactByEmail.load(email), 'Customer', email).then(toCustomer),
      customers: (_, args, context) =>
        listObjects(context, 'contacts', args, args.filter ? toContactSearch(args.filter) : null, CONTACT_PROPERTIES, toCustomer, [
          'companies',
          'deals',
        ]),
      company: (_, { id }, { loaders }) => required(loaders.company.load(id), 'Company', id).then(toCompany),
      companies: (_, args, context) => {
        const filters: SearchFilter[] = [];
        if (args.filter?.domain) filters.push({ propertyName: 'domain', operator: 'EQ', value: args.filter.domain.toLowerCase() });
        if (args.filter?.updatedSince) {
          filters.push({ propertyName: 'hs_lastmodifieddate', operator: 'GTE', value: String(Date.parse(args.filter.updatedSince)) });
        }
        const query = args.filter?.search?.trim() || undefined;
        return listObjects(context, 'companies', args, { filters, ...(query ? { query } : {}) }, COMPANY_PROPERTIES, toCompany, [
          'contacts',
          'deals',
        ]);
      },
      deal: (_, { id }, { loaders }) => required(loaders.deal.load(id), 'Deal', id).then(deal),
      deals: (_, args, context) => {
        const filters: SearchFilter[] = [];
        const filter = args.filter;
        if (filter?.stage) {
          const stageId = toStageId(filter.stage);
          if (!stageId) throw new BadUserInputError('filter.stage OTHER cannot be searched; filter by a named stage.', 'filter.stage');
          filters.push({ propertyName: 'dealstage', operator: 'EQ', value: stageId });
        }
        if (filter?.companyId) filters.push({ propertyName: 'associations.company', operator: 'EQ', value: filter.companyId });
        if (filter?.closingAfter)
          filters.push({ propertyName: 'closedate', operator: 'GTE', value: String(Date.parse(filter.closingAfter)) });
        if (filter?.closingBefore)
          filters.push({ propertyName: 'closedate', operator: 'LTE', value: String(Date.parse(filter.closingBefore)) });
        return listObjects(context, 'deals', args, { filters }, DEAL_PROPERTIES, deal, ['companies', 'contacts']);
      },
    },
    Mutation: {
      createCustomer: async (_, { input }, { client }) => {
        const { companyId, ...fields } = validInput(contactInput, input);
        const association = companyId
          ? { type: 'companies' as const, id: companyId, typeId: DEFAULT_ASSOCIATION['contacts->companies']! }
          : undefined;
        return toCustomer(await client.create('contacts', toContactProperties(fields), association));
      },
      updateCustomer: async (_, { id, input }, { client }) => {
        const properties = toContactProperties(validInput(contactInput, input));
        if (Object.keys(properties).length === 0) throw new BadUserInputError('input names no field to change.', 'input');
        return toCustomer(await client.update('contacts', id, properties));
      },

      updateCustomers: async (_, { updates }, { client }) => {
        if (updates.length === 0 || updates.length > MAX_BATCH)
          throw new BadUserInputError(`updates must hold 1 to ${MAX_BATCH} contacts.`, 'updates');
        const inputs = updates.map(({ id, input }, index) => {
          if (!/^\d+$/.test(id)) throw new BadUserInputError('must be a CRM contact id.', `updates.${index}.id`);
          if (updates.findIndex((other) => other.id === id) !== index)
            throw new BadUserInputError(`contact ${id} is named more than once.`, `updates.${index}.id`);
          const properties = toContactProperties(validInput(contactInput, input));
          if (Object.keys(properties).length === 0)
            throw new BadUserInputError('input names no field to change.', `updates.${index}.input`);
          return { id, properties };
        });
        const { results, missing } = await client.batchUpdate('contacts', inputs);
        const byId = new Map(results.map((row) => [row.id, row]));
        return {
          customers: inputs.flatMap(({ id }) => {
            const row = byId.get(id);
            return row ? [toCustomer(row)] : [];
          }),
          missingIds: missing,
        };
      },

      // ---- Archiving (sync/'s offboarding saga, and the onboarding saga's compensation) ----
      archiveCustomer: async (_, { id }, { client, entityTags }) => {
        if (!/^\d+$/.test(id)) throw new BadUserInputError('id must be a CRM contact id.', 'id');
        await client.archive('contacts', id);
        entityTags.add(`Customer:${id}`);
        return { id, archived: true };
      },
    },
    Customer: {
      __resolveReference: async (reference, { loaders }) => {
        // Exactly one of the declared keys arrives, whichever the other subgraph joined by.
        const row =
          'id' in reference
            ? await loaders.contact.load(reference.id)
            : 'email' in reference
              ? await loaders.contactByEmail.load(reference.email ?? '')
              : await loaders.contactByErpNumber.load(reference.erpCustomerNumber ?? '');
        return row ? toCustomer(row) : null;
      },
      // What crm-relations requires for Customer.company and Customer.deals: the contact read brought them inline.
      companyId: (customer, _, { loaders }) => companyIdOf(customer.id, loaders),
      dealIds: (customer, _, { loaders }) => dealIdsOf(customer.id, loaders),
    },
    ...companyAndDealResolvers(defaultCurrency),
  };
}
