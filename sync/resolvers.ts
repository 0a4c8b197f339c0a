import { scalarResolvers } from '../subgraphs/kit/index.js';
import type { Resolvers } from './__generated__/resolvers.js';
import { toCustomerSync } from './mapping.js';

/**
 * The sync subgraph's resolvers. Customer.sync comes from the sync records (outbox, audit drift); a customer sync
 * never saw answers null.
 */
export function createResolvers(): Resolvers {
  return {
    ...scalarResolvers,
    Customer: {
      __resolveReference: (reference) => ({ id: reference.id }),
      sync: async (customer, _, { loaders }) => {
        const record = await loaders.customerSync.load(customer.id);
        return record.known ? toCustomerSync(record) : null;
      },
    },
  };
}
