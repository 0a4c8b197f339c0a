/**
 * offboardCustomer as a saga: read the contact, block the ERP customer (NAV `Blocked` = ALL), cancel the Stripe
 * subscriptions, archive the CRM contact. Ordered so that what can be undone comes first: a failure before
 * any cancellation restores the ERP customer's Blocked option; cancellations cannot be undone, so once one is
 * made the saga only goes forward (RetryLaterError) until the contact is archived.
 */
import type { OffboardInput, OffboardResult } from '../../platform/index.js';
import { RetryLaterError, StepRefusedError, type SagaDefinition } from './engine.js';
import type { Json } from './store.js';
import { VendorCallError, type ErpBlocked, type SagaVendors } from './vendors.js';

export const OFFBOARD_KIND = 'offboardCustomer';

/** Subscriptions in these states bill no more: nothing to cancel. */
const ENDED = new Set(['CANCELED', 'INCOMPLETE_EXPIRED']);

const record = (value: Json | undefined): Record<string, Json> =>
  value && typeof value === 'object' && !Array.isArray(value) ? value : {};
const text = (value: Json | undefined): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const texts = (value: Json | undefined): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];

export function offboardSaga(vendors: SagaVendors): SagaDefinition<OffboardInput> {
  return {
    kind: OFFBOARD_KIND,
    steps: [
      {
        name: 'lookup',
        system: 'hubspot',
        async run({ input }) {
          const contact = await vendors.contactById(input.customerId);
          if (!contact) throw new StepRefusedError('NOT_FOUND', `CRM contact ${input.customerId} was not found.`);
          return { email: contact.email ?? '', erpCustomerNumber: contact.erpCustomerNumber ?? '' };
        },
      },
      {
        name: 'erp',
        system: 'erp',
        async run({ results }): Promise<Json> {
          const number = text(record(results.lookup).erpCustomerNumber);
          if (!number) return { erpCustomerNumber: null };
          try {
            const blocked = await vendors.blockErpCustomer(number, 'ALL');
            return { erpCustomerNumber: number, previousBlocked: blocked.previousBlocked };
          } catch (error) {
            // The contact names an ERP customer the ERP does not have: nothing to block.
            if (error instanceof VendorCallError && error.code === 'NOT_FOUND') return { erpCustomerNumber: null };
            throw error;
          }
        },
        async compensate(_context, result) {
          // Unknown outcome (cut off mid-call): the option before is not known, and blocked is the safe side.
          const number = text(record(result).erpCustomerNumber);
          const previous = text(record(result).previousBlocked) as ErpBlocked | undefined;
          if (number && previous && previous !== 'ALL') await vendors.blockErpCustomer(number, previous);
        },
      },
      {
        name: 'subscriptions',
        system: 'stripe',
        async run(context) {
          const email = text(record(context.results.lookup).email);
          const canceled = texts(record(context.progress).canceled);
          try {
            const billing = email ? await vendors.billingSubscriptions(email) : null;
            for (const subscription of billing?.subscriptions ?? []) {
              if (ENDED.has(subscription.status) || canceled.includes(subscription.id)) continue;
              await vendors.cancelSubscription(subscription.id, `${context.key}:${subscription.id}`);
              canceled.push(subscription.id);
              await context.checkpoint({ canceled });
            }
          } catch (error) {
            // Once one subscription is canceled there is no way back: finish instead of undoing.
            if (canceled.length > 0) throw new RetryLaterError(error);
            throw error;
          }
          return { canceled };
        },
      },
      {
        name: 'archive',
        system: 'hubspot',
        async run({ input }) {
          try {
            await vendors.archiveContact(input.customerId);
          } catch (error) {
            throw new RetryLaterError(error);
          }
          return { archived: input.customerId };
        },
      },
    ],
  };
}

/** A completed offboarding's results (each step's, by step name) as the mutation answers them. */
export function offboardResult(results: Json): OffboardResult {
  const steps = record(results);
  return {
    canceledSubscriptionIds: texts(record(steps.subscriptions).canceled),
    blockedErpCustomerNumber: text(record(steps.erp).erpCustomerNumber) ?? null,
  };
}
