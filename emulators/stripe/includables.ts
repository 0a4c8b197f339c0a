import type { Includables } from './expand.js';
import type { Store } from './store.js';
import type { ListObject } from './types.js';

/** How many rows Stripe embeds in an expanded list field. */
const EMBEDDED_PAGE = 10;

function list<T>(data: T[], url: string): ListObject<T> {
  return { object: 'list', data, has_more: false, total_count: data.length, url };
}

/** Fields Stripe leaves out of an object unless `expand` asks for them. */
export function createIncludables(store: Store): Includables {
  return {
    invoice: {
      payments: (invoice) =>
        list(
          store.invoice_payments.all().filter((p) => p.invoice === invoice.id),
          `/v1/invoice_payments?invoice=${String(invoice.id)}`,
        ),
    },
    charge: {
      refunds: (charge) =>
        list(
          store.refunds.all().filter((r) => r.charge === charge.id),
          `/v1/charges/${String(charge.id)}/refunds`,
        ),
    },
    customer: {
      // Stripe embeds the customer's current subscriptions: canceled ones left out, as the list leaves them out
      // by default, and only the first page of 10 (newest first), with has_more saying whether more exist.
      subscriptions: (customer) => {
        const current = store.subscriptions.all().filter((s) => s.customer === customer.id && s.status !== 'canceled');
        return {
          ...list(current.slice(0, EMBEDDED_PAGE), `/v1/customers/${String(customer.id)}/subscriptions`),
          has_more: current.length > EMBEDDED_PAGE,
          total_count: current.length,
        };
      },
    },
  };
}
