/**
 * onboardCustomer as a saga: the HubSpot contact, the Stripe customer (the contact id in its metadata), the ERP
 * customer, then the link (the ERP number on the contact). Each step is safe to repeat after a crash:
 * - crm: checks by email before creating and records that it did (`checkpoint`), so a repeat that finds the
 *   contact knows it is its own, and a contact that existed before the saga is refused, never adopted or archived;
 * - billing: Stripe's Idempotency-Key is the saga id + step, so a repeat answers the same customer;
 * - erp: the customer number is derived from the saga id (unless the caller chose one), and createErpCustomer
 *   answers an existing customer with that number and email as a replay.
 * Compensation archives the contact and deletes the Stripe and ERP customers, each safe to repeat.
 */
import { createHash } from 'node:crypto';
import type { OnboardInput, OnboardResult } from '../../platform/index.js';
import { StepRefusedError, type SagaDefinition, type StepContext } from './engine.js';
import type { Json } from './store.js';
import { TRANSIENT_CODES, VendorCallError, type SagaVendors } from './vendors.js';

export const ONBOARD_KIND = 'onboardCustomer';

/** The ERP number of a saga that was given none: `IX-` and 9 characters of the saga id's hash (NAV Code[20]). */
export function derivedErpNumber(sagaId: string): string {
  const digest = createHash('sha256').update(sagaId).digest();
  // Crockford's base32 without I, L, O, U: no character reads as another on an invoice.
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  let text = '';
  for (let index = 0; index < 9; index++) text += alphabet[digest[index]! % 32];
  return `IX-${text}`;
}

const erpNumberOf = (context: StepContext<OnboardInput>): string =>
  context.input.erpCustomerNumber?.trim().toUpperCase() || derivedErpNumber(context.sagaId);

/** First and last name, else the email; cut to the ERP's 100 characters (NAV's Name is Text[100]). */
const displayName = (input: OnboardInput): string =>
  ([input.firstName, input.lastName].filter(Boolean).join(' ').trim() || input.email).slice(0, 100);

const transient = (error: unknown): boolean => !(error instanceof VendorCallError) || TRANSIENT_CODES.has(error.code);

/** The step failed with an answer that says the vendor did nothing (not an outage, where it may have). */
const definitelyNothing = (context: StepContext<OnboardInput>): boolean =>
  context.failedWith !== undefined && !TRANSIENT_CODES.has(context.failedWith);

const field = (result: Json | undefined, name: string): string | undefined => {
  const value = result && typeof result === 'object' && !Array.isArray(result) ? result[name] : undefined;
  return typeof value === 'string' ? value : undefined;
};

export function onboardSaga(vendors: SagaVendors): SagaDefinition<OnboardInput> {
  async function createBilling(context: StepContext<OnboardInput>): Promise<Json> {
    const { input } = context;
    const created = await vendors.createBillingCustomer(
      {
        email: input.email,
        name: displayName(input),
        phone: input.phone ?? null,
        metadata: { hubspot_contact_id: field(context.results.crm, 'contactId') ?? '', interchange_saga_id: context.sagaId },
      },
      context.key,
    );
    return { customerId: created.id };
  }

  return {
    kind: ONBOARD_KIND,
    steps: [
      {
        name: 'crm',
        system: 'hubspot',
        async run(context) {
          const { input } = context;
          const checked = field(context.progress, 'absent') === 'yes';
          const existing = await vendors.contactByEmail(input.email);
          if (existing) {
            // Found after our own check said absent: an earlier attempt of this step created it.
            if (checked) return { contactId: existing.id };
            throw new StepRefusedError(
              'CUSTOMER_EXISTS',
              `A CRM contact with the email ${input.email} exists already (id ${existing.id}).`,
            );
          }
          await context.checkpoint({ absent: 'yes' });
          const created = await vendors.createContact({
            email: input.email,
            firstName: input.firstName ?? null,
            lastName: input.lastName ?? null,
            phone: input.phone ?? null,
            city: input.city ?? null,
            country: input.country ?? null,
          });
          return { contactId: created.id };
        },
        async compensate(context, result) {
          let id = field(result, 'contactId');
          if (definitelyNothing(context)) return;
          // Outcome unknown: the contact found by email is ours only if the step had checked it was absent.
          if (!id && field(context.progress, 'absent') === 'yes') id = (await vendors.contactByEmail(context.input.email))?.id;
          if (id) await vendors.archiveContact(id);
        },
      },
      {
        name: 'billing',
        system: 'stripe',
        run: createBilling,
        async compensate(context, result) {
          let id = field(result, 'customerId');
          if (definitelyNothing(context)) return;
          if (!id) {
            // Outcome unknown: the same Idempotency-Key answers the customer if Stripe made it (or makes it now,
            // to be deleted next); a definite refusal means Stripe made nothing.
            try {
              id = field(await createBilling(context), 'customerId');
            } catch (error) {
              if (transient(error)) throw error;
              return;
            }
          }
          if (id) await vendors.deleteBillingCustomer(id);
        },
      },
      {
        name: 'erp',
        system: 'erp',
        async run(context) {
          const { input } = context;
          const number = erpNumberOf(context);
          let created: { number: string; replayed: boolean };
          try {
            created = await vendors.createErpCustomer({
              number,
              name: displayName(input),
              email: input.email,
              phone: input.phone ?? null,
              address: input.address ?? null,
              city: input.city ?? null,
              country: input.country ?? null,
              currency: input.currency ?? null,
              creditLimit: input.creditLimit ?? null,
            });
          } catch (error) {
            // The number belongs to another customer: nothing was created, and that customer must not be deleted.
            if (error instanceof VendorCallError && error.code === 'CONFLICT') throw new StepRefusedError('CONFLICT', error.message);
            throw error;
          }
          // A first attempt finding the number taken by this email: that customer predates the saga, so it is not ours.
          if (created.replayed && context.attempt === 1 && input.erpCustomerNumber) {
            throw new StepRefusedError('CUSTOMER_EXISTS', `ERP customer ${number} exists already.`);
          }
          return { erpCustomerNumber: created.number };
        },
        async compensate(context, result) {
          // A definite refusal (BAD_USER_INPUT, a refused step) created nothing; NAV's Create is one transaction.
          if (definitelyNothing(context)) return;
          await vendors.deleteErpCustomer(field(result, 'erpCustomerNumber') ?? erpNumberOf(context));
        },
      },
      {
        name: 'link',
        system: 'hubspot',
        async run(context) {
          const contactId = field(context.results.crm, 'contactId')!;
          const number = field(context.results.erp, 'erpCustomerNumber')!;
          await vendors.setContactErpNumber(contactId, number);
          return { contactId, erpCustomerNumber: number };
        },
        // Undone with the contact itself (archived by the crm step's compensation).
      },
    ],
  };
}

/** A completed onboarding's results (the saga's `result`: each step's, by step name) as the mutation answers them. */
export function onboardResult(results: Json): OnboardResult {
  const of = (step: string): Json | undefined =>
    results && typeof results === 'object' && !Array.isArray(results) ? results[step] : undefined;
  return {
    contactId: field(of('crm'), 'contactId') ?? '',
    stripeCustomerId: field(of('billing'), 'customerId') ?? '',
    erpCustomerNumber: field(of('erp'), 'erpCustomerNumber') ?? '',
  };
}
