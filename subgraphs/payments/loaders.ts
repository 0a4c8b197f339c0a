import DataLoader from 'dataloader';
import { chunk, type LoaderTools } from '../kit/index.js';
import type { PaymentsClient, SearchPage } from './client.js';
import { filterKey, matchesFilter, toCustomerEmailQuery, toCustomerRowsQuery, type ListFilter } from './search.js';
import type { StripeCharge, StripeCustomer, StripeInvoice, StripePaymentIntent, StripeSubscription } from './wire.js';

/** Stripe's cap on the clauses of one search query: the most customers one batched search can name. */
export const MAX_SEARCH_CLAUSES = 10;

/** How many of one customer's rows a list under `billing` reaches (first + the position of `after`). */
export const MAX_REACH = 100;

/**
 * The most pages (of 100 rows) one batched search follows. Rows of the batch's customers come interleaved,
 * newest first; a customer with little history in a batch with a busy one may need a few pages. Past this the
 * list says hasNextPage and stops, rather than walking a busy customer's whole history.
 */
const MAX_SEARCH_PAGES = 10;

/** A customer's rows for one filter: newest first; `truncated` when older rows may exist beyond those fetched. */
export type CustomerRows<T> = { rows: T[]; truncated: boolean };

/** One customer's rows under one filter, `need` of them (first + skip + 1, to know whether there is a next page). */
export type RowsKey = { customerId: string; filter: ListFilter; need: number };

type Row = { customer: string | { id: string } | null; status: string | null; created: number };

const customerOf = (row: Row): string | null =>
  row.customer === null ? null : typeof row.customer === 'string' ? row.customer : row.customer.id;

/**
 * Rows of many customers through one search per batch of up to 10 customers (`customer:"a" OR ...`), following
 * `next_page` while some customer of the batch still has fewer than the rows asked for.
 */
function customerRowsLoader<T extends Row>(search: (query: string, page?: string) => Promise<SearchPage<T>>, maxBatchSize: number) {
  return new DataLoader<RowsKey, CustomerRows<T>, string>(
    async (keys) => {
      const groups = new Map<string, { filter: ListFilter; need: Map<string, number> }>();
      for (const key of keys) {
        const id = filterKey(key.filter);
        const group = groups.get(id) ?? { filter: key.filter, need: new Map<string, number>() };
        groups.set(id, group);
        group.need.set(key.customerId, Math.max(group.need.get(key.customerId) ?? 0, key.need));
      }
      const results = new Map<string, { rows: T[]; exhausted: boolean }>();
      const fetches = [...groups].flatMap(([id, group]) =>
        chunk([...group.need.keys()], MAX_SEARCH_CLAUSES).map(async (customers) => {
          const byCustomer = new Map<string, T[]>(customers.map((customer) => [customer, []]));
          const need = Math.max(...customers.map((customer) => group.need.get(customer)!));
          const query = toCustomerRowsQuery(customers, group.filter);
          let next: string | undefined;
          let exhausted = false;
          for (let pages = 1; ; pages++) {
            const page = await search(query, next);
            for (const row of page.data) {
              const customer = customerOf(row);
              if (customer && matchesFilter(row, group.filter)) byCustomer.get(customer)?.push(row);
            }
            exhausted = !page.hasMore || !page.nextPage;
            const satisfied = customers.every((customer) => byCustomer.get(customer)!.length >= need);
            if (exhausted || satisfied || pages >= MAX_SEARCH_PAGES) break;
            next = page.nextPage ?? undefined;
          }
          for (const [customer, rows] of byCustomer) results.set(`${id}\u0000${customer}`, { rows, exhausted });
        }),
      );
      await Promise.all(fetches);
      return keys.map((key) => {
        const found = results.get(`${filterKey(key.filter)}\u0000${key.customerId}`) ?? { rows: [], exhausted: true };
        return { rows: found.rows, truncated: !found.exhausted && found.rows.length < key.need };
      });
    },
    { cacheKeyFn: (key) => `${key.customerId}\u0000${filterKey(key.filter)}\u0000${key.need}`, maxBatchSize },
  );
}

/** The per-request loaders: every Stripe read of one operation goes through these. */
export function createLoaders(client: PaymentsClient, tools: LoaderTools) {
  // Batches are split into searches of 10 inside the loaders; the switch exists to measure batching's worth.
  const maxBatchSize = tools.maxBatchSize(Number.POSITIVE_INFINITY);
  /** A customer's subscriptions that are not canceled (what Stripe lists by default, and expands on customers). */
  const currentSubscriptions = new DataLoader<string, CustomerRows<StripeSubscription>>(async (customerIds) =>
    // Reached only for customers whose search did not carry them all (more than the 10 Stripe expands):
    // Stripe cannot search subscriptions by customer, so this is one list per customer.
    Promise.all(
      customerIds.map(async (customer) => {
        const page = await client.listSubscriptions(customer, { all: false });
        return { rows: page.data, truncated: page.hasMore };
      }),
    ),
  );

  /** Canceled ones included: Stripe's subscription search has no customer field, so one list per customer. */
  const allSubscriptions = new DataLoader<string, CustomerRows<StripeSubscription>>(async (customerIds) =>
    Promise.all(
      customerIds.map(async (customer) => {
        const page = await client.listSubscriptions(customer, { all: true });
        return { rows: page.data, truncated: page.hasMore };
      }),
    ),
  );

  /**
   * Stripe customers by email, 10 emails per search (`email:"a" OR email:"b"`, Stripe's clause limit). The
   * batch is split into searches here rather than with maxBatchSize, so every customer of an operation
   * resolves at once and the lists under them batch across the whole operation, not per 10 customers.
   */
  const searchByEmail = async (emails: readonly string[]): Promise<Array<StripeCustomer | null>> => {
    const wanted = [...new Set(emails)];
    const found = new Map<string, StripeCustomer>();
    await Promise.all(
      chunk(wanted, MAX_SEARCH_CLAUSES).map(async (batch) => {
        const query = toCustomerEmailQuery(batch);
        let next: string | undefined;
        for (let pages = 1; ; pages++) {
          const page = await client.searchCustomers(query, next);
          for (const customer of page.data) {
            const email = customer.email?.toLowerCase();
            const current = email ? found.get(email) : undefined;
            // Stripe allows several customers per email: the most recently created one stands for the person.
            if (email && (!current || customer.created > current.created)) found.set(email, customer);
          }
          if (!page.hasMore || !page.nextPage || pages >= MAX_SEARCH_PAGES) break;
          next = page.nextPage;
        }
      }),
    );
    return emails.map((email) => found.get(email) ?? null);
  };
  // Keyed by lower-case email, which is also the entity tag the subgraph reports (`Customer:<email>`).
  const cachedByEmail = tools.cached('Customer', searchByEmail);
  const customerByEmail = new DataLoader<string, StripeCustomer | null, string>(
    async (emails) => {
      const customers = await cachedByEmail(emails.map((email) => email.toLowerCase()));
      for (const customer of customers) {
        // The search expanded each customer's current subscriptions: listing them again would cost a request each.
        if (customer?.subscriptions) {
          currentSubscriptions.prime(customer.id, { rows: customer.subscriptions.data, truncated: customer.subscriptions.has_more });
        }
      }
      return customers;
    },
    { cacheKeyFn: (email) => email.toLowerCase(), maxBatchSize },
  );

  return {
    customerByEmail,
    currentSubscriptions,
    allSubscriptions,
    invoices: customerRowsLoader<StripeInvoice>((query, page) => client.searchInvoices(query, page), maxBatchSize),
    paymentIntents: customerRowsLoader<StripePaymentIntent>((query, page) => client.searchPaymentIntents(query, page), maxBatchSize),
    charges: customerRowsLoader<StripeCharge>((query, page) => client.searchCharges(query, page), maxBatchSize),
  };
}

export type PaymentsLoaders = ReturnType<typeof createLoaders>;
