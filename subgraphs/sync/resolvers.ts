import type { SagaService } from '../../platform/index.js';
import { scalarResolvers } from '../kit/index.js';
import type { Resolvers } from './__generated__/resolvers.js';
import { toCustomerSync } from './mapping.js';
import { sagaResolvers } from './sagas.js';

/**
 * The sync subgraph's resolvers. Customer.sync comes from the sync records (outbox, audit drift); a customer sync
 * never saw answers null.
 */
export function createResolvers(sagas?: SagaService): Resolvers {
  return {
    ...scalarResolvers,
    // onboardCustomer, offboardCustomer and saga (sagas.ts); without the sagas they refuse with a clear error.
    ...sagaResolvers(sagas),
    Customer: {
      __resolveReference: (reference) => ({ id: reference.id }),
      sync: async (customer, _, { loaders }) => {
        const record = await loaders.customerSync.load(customer.id);
        return record.known ? toCustomerSync(record) : null;
      },
    },
  };
}
