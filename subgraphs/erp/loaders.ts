import DataLoader from 'dataloader';
import type { BatchFn, LoaderTools } from '../kit/index.js';
import type { OrderStatus, PostedInvoiceStatus } from './__generated__/resolvers.js';
import type { ErpClient, ErpPage } from './client.js';
import { anyOf, invoiceFilters, orderFilters, type NavFilter } from './filters.js';
import { fieldText } from './mapping.js';
import type { NavRecord } from './wire.js';

/**
 * Customer numbers per ReadMultiple: the OR filter grows by about eight characters a customer, which keeps
 * even a full batch's criteria far below what NAV accepts in one filter.
 */
const BATCH = 100;

export type OrdersKey = { customerNumber: string; statuses: readonly OrderStatus[] | null };
export type InvoicesKey = { customerNumber: string; status: PostedInvoiceStatus | null };

/**
 * A loader for the records of many customers: keys that share a filter (everything but the customer) are read
 * with one OR filter over their customer numbers, paged inside `readAll`; the records are then dealt out by
 * Sell_to_Customer_No.
 */
function byCustomer<Key extends { customerNumber: string }>(
  client: ErpClient,
  maxBatchSize: number,
  page: ErpPage,
  filterKey: (key: Key) => string,
  filters: (customerNumbers: string[], key: Key) => NavFilter[],
) {
  return new DataLoader<Key, NavRecord[], string>(
    async (keys) => {
      const groups = new Map<string, Key[]>();
      for (const key of keys) {
        const group = groups.get(filterKey(key)) ?? [];
        group.push(key);
        groups.set(filterKey(key), group);
      }
      const found = new Map<string, NavRecord[]>();
      await Promise.all(
        [...groups].map(async ([groupKey, group]) => {
          const numbers = [...new Set(group.map((key) => key.customerNumber))];
          for (const record of await client.readAll(page, filters(numbers, group[0]!))) {
            const id = `${groupKey}\u0000${fieldText(record, 'Sell_to_Customer_No')}`;
            const list = found.get(id) ?? [];
            list.push(record);
            found.set(id, list);
          }
        }),
      );
      return keys.map((key) => found.get(`${filterKey(key)}\u0000${key.customerNumber}`) ?? []);
    },
    { maxBatchSize, cacheKeyFn: (key) => `${filterKey(key)}\u0000${key.customerNumber}` },
  );
}

/** Records by No, many per ReadMultiple (`No` filter `A|B|C`); numbers with no record load as null. */
function byNumber(client: ErpClient, page: ErpPage): BatchFn<NavRecord> {
  return async (numbers) => {
    const records = await client.readAll(page, [{ Field: 'No', Criteria: anyOf(numbers) }]);
    const found = new Map(records.map((record) => [fieldText(record, 'No').toUpperCase(), record]));
    return numbers.map((no) => found.get(no.toUpperCase()) ?? null);
  };
}

/** The per-request loaders: every entity and list lookup of one operation goes through these. */
export function createLoaders(client: ErpClient, tools: LoaderTools) {
  const maxBatchSize = tools.maxBatchSize(BATCH);
  const statusesKey = (key: OrdersKey) => (key.statuses && key.statuses.length > 0 ? [...key.statuses].sort().join('|') : '*');
  const loaders = {
    customerOrders: byCustomer<OrdersKey>(client, maxBatchSize, 'SalesOrder', statusesKey, (numbers, key) =>
      orderFilters(numbers, key.statuses),
    ),
    customerInvoices: byCustomer<InvoicesKey>(
      client,
      maxBatchSize,
      'PostedSalesInvoice',
      (key) => key.status ?? '*',
      (numbers, key) => invoiceFilters(numbers, key.status),
    ),
    // Orders are never served from the entity cache: their version must be the ERP's current one, or
    // updateOrder would answer CONFLICT to a caller who just re-read.
    order: new DataLoader<string, NavRecord | null>(byNumber(client, 'SalesOrder'), { maxBatchSize }),
    // Posted invoices never change in NAV, items change slowly: both go through the shared entity cache, for
    // as long as their @cacheControl allows.
    invoice: new DataLoader<string, NavRecord | null>(tools.cached('PostedInvoice', byNumber(client, 'PostedSalesInvoice')), {
      maxBatchSize,
    }),
    item: new DataLoader<string, NavRecord | null>(tools.cached('Product', byNumber(client, 'Item')), { maxBatchSize }),
    // ---- customer card (customer sync) ----
    // Never entity-cached: its version must be the ERP's current one, as an order's.
    account: new DataLoader<string, NavRecord | null>(byNumber(client, 'Customer'), { maxBatchSize }),

    /** Records rows a list already returned, so resolving them again by number costs no request. */
    prime(page: 'SalesOrder' | 'PostedSalesInvoice' | 'Item', rows: readonly NavRecord[]): void {
      const loader = page === 'SalesOrder' ? loaders.order : page === 'PostedSalesInvoice' ? loaders.invoice : loaders.item;
      for (const row of rows) loader.prime(fieldText(row, 'No'), row);
    },
  };
  return loaders;
}

export type ErpLoaders = ReturnType<typeof createLoaders>;
