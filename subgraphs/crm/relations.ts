/**
 * The CRM's relations: the resolvers of the crm-relations subgraph (schema/crm-relations.graphql), and the
 * Company and Deal resolvers both CRM subgraphs share (the types are @shareable: whichever subgraph a plan
 * reaches them in resolves them alike, with the same loaders over the same HubSpot client).
 *
 * crm-relations exists for the plan, not for HubSpot: the gateway sends an entity fetch only once the whole fetch
 * it depends on has answered, so `Customer.company` and `Customer.deals` in `crm` held the ERP, Stripe and
 * Mixpanel fetches back by the company and deal reads. Here they run beside those fetches, keyed by the
 * association ids `crm` read inline with the contact (`@requires`), so splitting costs no vendor call.
 */
import { connectionFromArray, required as requiredOf, type Connection } from '../kit/index.js';
import type { CompanyResolvers, CustomerResolvers, Resolvers } from './__generated__/crm-relations.js';
import type { Context } from './context.js';
import type { Associated, CrmLoaders } from './loaders.js';
import {
  toCompany,
  toCustomer,
  toDeal,
  type CompanyModel,
  type CustomerModel,
  type DealModel,
  type RelatedCustomerModel,
} from './mapping.js';
import type { HubSpotObject } from './wire.js';

/** Loads one entity or raises NOT_FOUND naming HubSpot. */
export const required = <T>(value: Promise<T | null>, typename: string, key: string): Promise<T> =>
  requiredOf(value, typename, key, 'hubspot');

/** The company HubSpot marks primary, else the first associated. */
const primaryOf = (associated: Associated): string | undefined => (associated.find((entry) => entry.primary) ?? associated[0])?.id;

/**
 * A customer's primary company id and deal ids: free when the contact was read singly or listed (associations
 * inline, primed in the loaders), one batched v4 association call otherwise.
 */
export const companyIdOf = async (id: string, loaders: CrmLoaders): Promise<string | null> =>
  primaryOf(await loaders.contactCompanies.load(id)) ?? null;
export const dealIdsOf = async (id: string, loaders: CrmLoaders): Promise<string[]> =>
  (await loaders.contactDeals.load(id)).map((entry) => entry.id);

/** A page over associated ids, loading only that page's objects (one batch read). */
async function associatedPage<Node>(
  ids: readonly string[],
  args: { first?: number | null; after?: string | null },
  load: (ids: string[]) => Promise<Array<HubSpotObject | null | Error>>,
  toNode: (row: HubSpotObject) => Node,
): Promise<Connection<Node>> {
  const page = connectionFromArray(ids, args, (id) => id);
  const rows = await load(page.nodes);
  const nodes = new Map<string, Node>();
  rows.forEach((row) => {
    if (row && !(row instanceof Error)) nodes.set(row.id, toNode(row));
  });
  // An association to an object that is gone (archived meanwhile) is left out rather than failing the list.
  const edges = page.edges.flatMap((edge) => {
    const node = nodes.get(edge.node);
    return node ? [{ cursor: edge.cursor, node }] : [];
  });
  return { ...page, edges, nodes: edges.map((edge) => edge.node) };
}

/** A customer's company (null when none, or gone) and a page of its deals, from the association ids. */
async function companyOf(companyId: string | null, loaders: CrmLoaders): Promise<CompanyModel | null> {
  const row = companyId ? await loaders.company.load(companyId) : null;
  return row ? toCompany(row) : null;
}
const dealsOf = (
  dealIds: readonly string[],
  args: { first?: number | null; after?: string | null },
  loaders: CrmLoaders,
  currency: string,
) =>
  associatedPage(
    dealIds,
    args,
    (ids) => loaders.deal.loadMany(ids),
    (row) => toDeal(row, currency),
  );

/** Company and Deal as both CRM subgraphs resolve them: entity lookups by id, relations through the loaders. */
export function companyAndDealResolvers(defaultCurrency: string) {
  const deal = (row: HubSpotObject): DealModel => toDeal(row, defaultCurrency);
  return {
    Company: {
      __resolveReference: async (reference: { id: string }, { loaders }: Context): Promise<CompanyModel | null> => {
        const row = await loaders.company.load(reference.id);
        return row ? toCompany(row) : null;
      },
      customers: async (company: CompanyModel, args: { first?: number | null; after?: string | null }, { loaders }: Context) =>
        associatedPage(
          (await loaders.companyContacts.load(company.id)).map((entry) => entry.id),
          args,
          (ids) => loaders.contact.loadMany(ids),
          toCustomer,
        ),
      deals: async (company: CompanyModel, args: { first?: number | null; after?: string | null }, { loaders }: Context) =>
        associatedPage(
          (await loaders.companyDeals.load(company.id)).map((entry) => entry.id),
          args,
          (ids) => loaders.deal.loadMany(ids),
          deal,
        ),
    },
    Deal: {
      __resolveReference: async (reference: { id: string }, { loaders }: Context): Promise<DealModel | null> => {
        const row = await loaders.deal.load(reference.id);
        return row ? deal(row) : null;
      },
      company: async (parent: DealModel, _: unknown, { loaders }: Context) =>
        companyOf(primaryOf(await loaders.dealCompanies.load(parent.id)) ?? null, loaders),
      customers: async (parent: DealModel, _: unknown, { loaders }: Context): Promise<CustomerModel[]> => {
        const associated = await loaders.dealContacts.load(parent.id);
        const rows = await loaders.contact.loadMany(associated.map((entry) => entry.id));
        return rows.flatMap((row) => (row && !(row instanceof Error) ? [toCustomer(row)] : []));
      },
    },
  };
}

/** The profile fields crm-relations shares with `crm`. */
const PROFILE_FIELDS = [
  'email',
  'firstName',
  'lastName',
  'displayName',
  'phone',
  'jobTitle',
  'city',
  'country',
  'erpCustomerNumber',
  'createdAt',
  'updatedAt',
] as const satisfies ReadonlyArray<keyof CustomerModel>;

/**
 * A profile field: from the contact a relation read (a company's customers), else read by id. A plan sends this
 * subgraph a customer by key only for `company` and `deals` (`crm` answers the profile in the fetch that found
 * the customer), so the read is a fallback that keeps every field answerable, not a path taken.
 */
const profileField =
  <F extends (typeof PROFILE_FIELDS)[number]>(field: F) =>
  async (customer: RelatedCustomerModel, _: unknown, { loaders }: Context): Promise<CustomerModel[F]> => {
    const known = customer[field];
    if (known !== undefined) return known as CustomerModel[F];
    return toCustomer(await required(loaders.contact.load(customer.id), 'Customer', customer.id))[field];
  };

/** The resolver map of crm-relations. */
export function createRelationResolvers(defaultCurrency: string): Resolvers {
  const profile = Object.fromEntries(PROFILE_FIELDS.map((field) => [field, profileField(field)])) as Pick<
    CustomerResolvers,
    (typeof PROFILE_FIELDS)[number]
  >;
  const shared = companyAndDealResolvers(defaultCurrency);
  const company: CompanyResolvers = shared.Company;
  return {
    Customer: {
      // From `crm`: the key and the association ids the field asked for requires (see schema/crm-relations.graphql).
      __resolveReference: (reference) => {
        const { companyId, dealIds } = reference as { companyId?: string | null; dealIds?: string[] };
        return { __typename: 'Customer', id: reference.id, companyId, dealIds };
      },
      ...profile,
      // Given by `crm` (@requires), or read here for customers this subgraph found itself (@provides).
      companyId: (customer, _, { loaders }) => (customer.companyId !== undefined ? customer.companyId : companyIdOf(customer.id, loaders)),
      dealIds: async (customer, _, { loaders }) => [...(customer.dealIds ?? (await dealIdsOf(customer.id, loaders)))],
      company: async (customer, _, { loaders }) =>
        companyOf(customer.companyId !== undefined ? customer.companyId : await companyIdOf(customer.id, loaders), loaders),
      deals: async (customer, args, { loaders }) =>
        dealsOf(customer.dealIds ?? (await dealIdsOf(customer.id, loaders)), args, loaders, defaultCurrency),
    },
    Company: company,
    Deal: shared.Deal,
  };
}
