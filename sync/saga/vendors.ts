/**
 * The sagas' vendor reads and writes, as the gateway's own GraphQL operations sent with the service identity
 * (a bearer token): the vendor subgraphs' validation, idempotency, call policies and cache purges apply exactly
 * as for any caller, and sync/ imports no vendor folder. They go through sync's one gateway client (sync/gateway.ts,
 * the same as customer sync's); here its answers become VendorCallError codes, which decide compensation. Reads
 * send `Cache-Control: no-cache`, so a saga sees the vendors' present state, never a cached answer.
 */

import { GatewayError, type GatewayClient, type GraphQLError } from '../gateway.js';

/** A failure the gateway answered: its `extensions.code` and the vendor it names (`extensions.upstream`). */
export class VendorCallError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly upstream: string | undefined,
  ) {
    super(message);
    this.name = 'VendorCallError';
  }
}

/** Codes that say "try again later": the vendor may not have acted, and may act on a repeat. */
export const TRANSIENT_CODES = new Set([
  'UPSTREAM_UNAVAILABLE',
  'UPSTREAM_TIMEOUT',
  'UPSTREAM_RATE_LIMITED',
  'CIRCUIT_OPEN',
  'RATE_LIMITED',
  'INTERNAL_SERVER_ERROR',
  'GATEWAY_UNREACHABLE',
]);

export type ContactInput = {
  email: string;
  firstName?: string | null;
  lastName?: string | null;
  phone?: string | null;
  city?: string | null;
  country?: string | null;
};

export type ErpCustomerInput = {
  number: string;
  name: string;
  email: string;
  phone?: string | null;
  address?: string | null;
  city?: string | null;
  country?: string | null;
  currency?: string | null;
  creditLimit?: number | null;
};

export type ErpBlocked = 'NONE' | 'SHIP' | 'INVOICE' | 'ALL';

export type SubscriptionRef = { id: string; status: string };

/** What the sagas ask of the vendors. */
export interface SagaVendors {
  contactByEmail(email: string): Promise<{ id: string; email: string | null; erpCustomerNumber: string | null } | null>;
  contactById(id: string): Promise<{ id: string; email: string | null; erpCustomerNumber: string | null } | null>;
  createContact(input: ContactInput): Promise<{ id: string }>;
  setContactErpNumber(id: string, erpCustomerNumber: string): Promise<void>;
  archiveContact(id: string): Promise<void>;
  createBillingCustomer(
    input: { email: string; name?: string | null; phone?: string | null; metadata: Record<string, string> },
    idempotencyKey: string,
  ): Promise<{ id: string; replayed: boolean }>;
  deleteBillingCustomer(id: string): Promise<void>;
  /** The current (not canceled) subscriptions of the Stripe customer with this email; null when there is none. */
  billingSubscriptions(email: string): Promise<{ customerId: string; subscriptions: SubscriptionRef[] } | null>;
  cancelSubscription(id: string, idempotencyKey: string): Promise<void>;
  createErpCustomer(input: ErpCustomerInput): Promise<{ number: string; replayed: boolean }>;
  /** Sets NAV's Blocked option; answers the option it had before. */
  blockErpCustomer(number: string, blocked: ErpBlocked): Promise<{ number: string; previousBlocked: ErpBlocked }>;
  deleteErpCustomer(number: string): Promise<void>;
}

export type GatewayVendorsOptions = {
  /** sync's gateway client, with the service identity (launcher/service.ts). */
  gateway: GatewayClient;
};

const CONTACT_FIELDS = 'id email erpCustomerNumber';

/** A GraphQL error as the sagas see it: its code (INTERNAL_SERVER_ERROR when it has none) and the vendor it names. */
function vendorError(error: GraphQLError): VendorCallError {
  const code = typeof error.extensions?.code === 'string' ? error.extensions.code : 'INTERNAL_SERVER_ERROR';
  const upstream = typeof error.extensions?.upstream === 'string' ? error.extensions.upstream : undefined;
  return new VendorCallError(code, error.message, upstream);
}

export function createGatewayVendors(options: GatewayVendorsOptions): SagaVendors {
  async function send<Data>(query: string, variables: Record<string, unknown>, read = false): Promise<Data> {
    let answer: { data: Data; errors: readonly GraphQLError[] };
    try {
      answer = await options.gateway.request<Data>(query, variables, { fresh: read });
    } catch (error) {
      if (error instanceof GatewayError && !error.unreachable) {
        const first = error.errors[0];
        throw first ? vendorError(first) : new VendorCallError('INTERNAL_SERVER_ERROR', error.message, undefined);
      }
      throw new VendorCallError('GATEWAY_UNREACHABLE', `The gateway could not be reached: ${(error as Error).message}`, undefined);
    }
    // A read answers null for what it did not find, with NOT_FOUND at that path; other errors fail the call.
    const first = answer.errors[0];
    if (first) throw vendorError(first);
    return answer.data;
  }

  /** A read whose NOT_FOUND means "none". */
  const orNull = <T>(read: Promise<T>): Promise<T | null> =>
    read.catch((error: unknown) => {
      if (error instanceof VendorCallError && error.code === 'NOT_FOUND') return null;
      throw error;
    });

  return {
    async contactByEmail(email) {
      const data = await orNull(
        send<{ customerByEmail: { id: string; email: string | null; erpCustomerNumber: string | null } | null }>(
          `query SagaContactByEmail($email: EmailAddress!) { customerByEmail(email: $email) { ${CONTACT_FIELDS} } }`,
          { email },
          true,
        ),
      );
      return data?.customerByEmail ?? null;
    },
    async contactById(id) {
      const data = await orNull(
        send<{ customer: { id: string; email: string | null; erpCustomerNumber: string | null } | null }>(
          `query SagaContact($id: ID!) { customer(id: $id) { ${CONTACT_FIELDS} } }`,
          { id },
          true,
        ),
      );
      return data?.customer ?? null;
    },
    async createContact(input) {
      const data = await send<{ createCustomer: { id: string } }>(
        `mutation SagaCreateContact($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }`,
        { input },
      );
      return data.createCustomer;
    },
    async setContactErpNumber(id, erpCustomerNumber) {
      await send(`mutation SagaLinkContact($id: ID!, $input: UpdateCustomerInput!) { updateCustomer(id: $id, input: $input) { id } }`, {
        id,
        input: { erpCustomerNumber },
      });
    },
    async archiveContact(id) {
      await send(`mutation SagaArchiveContact($id: ID!) { archiveCustomer(id: $id) { id } }`, { id });
    },
    async createBillingCustomer(input, idempotencyKey) {
      const data = await send<{ createBillingCustomer: { billing: { id: string }; replayed: boolean } }>(
        `mutation SagaCreateBilling($input: CreateBillingCustomerInput!) { createBillingCustomer(input: $input) { billing { id } replayed } }`,
        { input: { ...input, idempotencyKey } },
      );
      return { id: data.createBillingCustomer.billing.id, replayed: data.createBillingCustomer.replayed };
    },
    async deleteBillingCustomer(id) {
      await send(
        `mutation SagaDeleteBilling($input: DeleteBillingCustomerInput!) { deleteBillingCustomer(input: $input) { customerId } }`,
        {
          input: { customerId: id },
        },
      );
    },
    async billingSubscriptions(email) {
      const data = await orNull(
        send<{
          customerByEmail: { billing: { id: string; subscriptions: { nodes: SubscriptionRef[] } } | null } | null;
        }>(
          `query SagaSubscriptions($email: EmailAddress!) { customerByEmail(email: $email) { billing { id subscriptions(first: 100) { nodes { id status } } } } }`,
          { email },
          true,
        ),
      );
      const billing = data?.customerByEmail?.billing;
      return billing ? { customerId: billing.id, subscriptions: billing.subscriptions.nodes } : null;
    },
    async cancelSubscription(id, idempotencyKey) {
      await send(
        `mutation SagaCancelSubscription($input: CancelSubscriptionInput!) { cancelSubscription(input: $input) { subscription { id } } }`,
        { input: { subscriptionId: id, idempotencyKey } },
      );
    },
    async createErpCustomer(input) {
      const data = await send<{ createErpCustomer: { erpCustomerNumber: string; replayed: boolean } }>(
        `mutation SagaCreateErpCustomer($input: CreateErpCustomerInput!) { createErpCustomer(input: $input) { erpCustomerNumber replayed } }`,
        { input },
      );
      return { number: data.createErpCustomer.erpCustomerNumber, replayed: data.createErpCustomer.replayed };
    },
    async blockErpCustomer(number, blocked) {
      const data = await send<{ blockErpCustomer: { erpCustomerNumber: string; previousBlocked: ErpBlocked } }>(
        `mutation SagaBlockErpCustomer($input: BlockErpCustomerInput!) { blockErpCustomer(input: $input) { erpCustomerNumber previousBlocked } }`,
        { input: { number, blocked } },
      );
      return { number: data.blockErpCustomer.erpCustomerNumber, previousBlocked: data.blockErpCustomer.previousBlocked };
    },
    async deleteErpCustomer(number) {
      await send(
        `mutation SagaDeleteErpCustomer($input: DeleteErpCustomerInput!) { deleteErpCustomer(input: $input) { erpCustomerNumber } }`,
        {
          input: { number },
        },
      );
    },
  };
}
