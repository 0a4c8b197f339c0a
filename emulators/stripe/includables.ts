import type { Includables } from './expand.js';
import type { Store } from './store.js';
import type { ListObject } from './types.js';

function list<T>(data: T[], url: string): ListObject<T> {
  return { object: 'list', data, has_more: false, total_count: data.length, url };
}

/** Fields Stripe leaves out of an object unless `expand` asks for them. */
export function createIncludables(store: Store): Includables {
  return {
    invoice: {
      payments: (invoice) => list(store.invoice_payments.all().filter((p) => p.invoice === invoice.id),
        `/v1/invoice_payments?invoice=${String(invoice.id)}`),
    },
    charge: {
      refunds: (charge) => list(store.refunds.all().filter((r) => r.charge === charge.id),
        `/v1/charges/${String(charge.id)}/refunds`),
    },
    customer: {
      subscriptions: (customer) => list(store.subscriptions.all().filter((s) => s.customer === customer.id),
        `/v1/customers/${String(customer.id)}/subscriptions`),
    },
  };
}
