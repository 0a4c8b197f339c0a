import { BadUserInputError, NotFoundError, readPageArgs, scalarResolvers, toConnection, type Connection } from '../kit/index.js';
import type { Resolvers } from './__generated__/resolvers.js';
import type { PaymentsClient, WriteResult } from './client.js';
import type { FieldMap } from './errors.js';
import { MAX_CLIENT_IDEMPOTENCY_KEY, toIdempotencyKey } from './idempotency.js';
import { toCaptureMethodParam, toCustomerUpdateParams, toMetadataParam } from './input.js';
import { MAX_REACH, type CustomerRows, type RowsKey } from './loaders.js';
import { toBilling, toCharge, toInvoice, toPaymentIntent, toRefund, toSubscription } from './mapping.js';
import { matchesFilter, toListFilter, type FilterInput } from './search.js';
import type { StripeSubscription } from './wire.js';

type PageArgs = { first?: number | null; after?: string | null; filter?: FilterInput | null };

/**
 * Validates `first`/`after` for a list under `billing`: positions within the customer's newest MAX_REACH rows.
 * Returns the page request and how many rows to load (one more than the page, to know if another follows).
 */
function readWindowArgs(args: PageArgs) {
  const request = readPageArgs(args, MAX_REACH, 10);
  if (request.vendorAfter !== undefined) throw new BadUserInputError('`after` belongs to another list.', 'after');
  const end = request.skip + request.first;
  if (end > MAX_REACH) {
    throw new BadUserInputError(
      `Lists under billing reach a customer's newest ${MAX_REACH} rows; \`first\` plus the position of \`after\` is ${end}.`,
      'first',
    );
  }
  return { request: { ...request, limit: end }, need: end + 1 };
}

/** A page of a customer's rows (already filtered, newest first); `truncated` says older rows may follow. */
function windowConnection<Row, Node>(
  request: ReturnType<typeof readWindowArgs>['request'],
  { rows, truncated }: CustomerRows<Row>,
  toNode: (row: Row) => Node,
): Connection<Node> {
  const connection = toConnection(request, rows, undefined, toNode);
  const end = request.skip + request.first;
  if (!truncated || connection.pageInfo.hasNextPage || end >= MAX_REACH) return connection;
  return { ...connection, pageInfo: { ...connection.pageInfo, hasNextPage: true } };
}

async function customerList<Row, Node>(
  loader: { load(key: RowsKey): Promise<CustomerRows<Row>> },
  customerId: string,
  args: PageArgs,
  toNode: (row: Row) => Node,
): Promise<Connection<Node>> {
  const { request, need } = readWindowArgs(args);
  return windowConnection(request, await loader.load({ customerId, filter: toListFilter(args.filter), need }), toNode);
}

// ---- Mutations ----

/** Stripe parameter -> schema input path, per mutation (for BAD_USER_INPUT's `field`). */
const FIELDS = {
  createPaymentIntent: {
    amount: 'input.amount',
    currency: 'input.currency',
    customer: 'input.customerId',
    payment_method: 'input.paymentMethod',
    capture_method: 'input.captureMethod',
    description: 'input.description',
    metadata: 'input.metadata',
    confirm: 'input.confirm',
  },
  confirmPaymentIntent: { id: 'input.paymentIntentId', payment_method: 'input.paymentMethod' },
  capturePaymentIntent: { id: 'input.paymentIntentId', amount_to_capture: 'input.amount' },
  cancelPaymentIntent: { id: 'input.paymentIntentId', cancellation_reason: 'input.reason' },
  refundCharge: { charge: 'input.chargeId', amount: 'input.amount', reason: 'input.reason', metadata: 'input.metadata' },
  subscription: { id: 'input.subscriptionId' },
  createBillingCustomer: { email: 'input.email', name: 'input.name', phone: 'input.phone', metadata: 'input.metadata' },
  deleteBillingCustomer: { id: 'input.customerId' },
  updateCustomer: {
    id: 'input.customerId',
    name: 'input.name',
    email: 'input.email',
    phone: 'input.phone',
    address: 'input.address',
    metadata: 'input.metadata',
  },
} satisfies Record<string, FieldMap>;

/** The key for a mutation; the caller's own is checked here so Stripe's 255-character limit is never hit. */
function idempotencyKeyFor(operation: string, input: { idempotencyKey?: string | null }): string {
  const clientKey = input.idempotencyKey?.trim();
  if (clientKey !== undefined && (clientKey.length === 0 || clientKey.length > MAX_CLIENT_IDEMPOTENCY_KEY)) {
    throw new BadUserInputError(`input.idempotencyKey must be 1 to ${MAX_CLIENT_IDEMPOTENCY_KEY} characters.`, 'input.idempotencyKey');
  }
  return toIdempotencyKey(operation, input as Record<string, unknown>, clientKey);
}

function metadataOf(value: unknown): Record<string, string> {
  const metadata = toMetadataParam(value);
  if (typeof metadata === 'string') throw new BadUserInputError(`input.metadata ${metadata}.`, 'input.metadata');
  return metadata;
}

const payload = <T, Node>(result: WriteResult<T>, toNode: (object: T) => Node) => ({
  node: toNode(result.object),
  idempotencyKey: result.idempotencyKey,
  replayed: result.replayed,
});

/**
 * DELETE is idempotent on Stripe only in effect: a retried cancel finds the subscription canceled and Stripe
 * answers "No such subscription". A retry then gets the canceled subscription, as if replayed.
 */
async function cancelNow(client: PaymentsClient, id: string, key: string): Promise<WriteResult<StripeSubscription>> {
  try {
    return await client.cancelSubscription(id, key, FIELDS.subscription);
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    const existing = await client.retrieveSubscription(id).catch(() => null);
    if (existing?.status !== 'canceled') throw error;
    return { object: existing, idempotencyKey: key, replayed: true };
  }
}

export function createResolvers(): Resolvers {
  return {
    ...scalarResolvers,
    Customer: {
      // Only the email key is declared here; the gateway sends it from whichever subgraph it joined.
      __resolveReference: (reference) => ({ __typename: 'Customer', email: reference.email ?? null }),
      billing: async (customer, _, { loaders }) => {
        if (!customer.email) return null;
        const found = await loaders.customerByEmail.load(customer.email);
        return found ? toBilling(found) : null;
      },
    },
    Billing: {
      paymentIntents: (billing, args, { loaders }) => customerList(loaders.paymentIntents, billing.id, args, toPaymentIntent),
      charges: (billing, args, { loaders }) => customerList(loaders.charges, billing.id, args, toCharge),
      invoices: (billing, args, { loaders }) => customerList(loaders.invoices, billing.id, args, toInvoice),
      subscriptions: async (billing, args, { loaders }) => {
        const { request } = readWindowArgs(args);
        const filter = toListFilter(args.filter);
        // Stripe lists and expands only subscriptions that are not canceled unless asked for all of them.
        const loader = filter.statuses?.includes('canceled') ? loaders.allSubscriptions : loaders.currentSubscriptions;
        const { rows, truncated } = await loader.load(billing.id);
        const matching = rows.filter((row) => matchesFilter(row, filter)).sort((a, b) => b.created - a.created);
        return windowConnection(request, { rows: matching, truncated }, toSubscription);
      },
    },
    Mutation: {
      createPaymentIntent: async (_, { input }, { client }) => {
        if (input.confirm && !input.paymentMethod) {
          throw new BadUserInputError('input.paymentMethod is needed to confirm at once.', 'input.paymentMethod');
        }
        const key = idempotencyKeyFor('createPaymentIntent', input);
        const result = await client.createPaymentIntent(
          {
            amount: input.amount,
            currency: input.currency.toLowerCase(),
            ...(input.customerId ? { customer: input.customerId } : {}),
            ...(input.paymentMethod ? { payment_method: input.paymentMethod } : {}),
            ...(input.confirm ? { confirm: true } : {}),
            capture_method: toCaptureMethodParam(input.captureMethod ?? 'AUTOMATIC'),
            ...(input.description ? { description: input.description } : {}),
            metadata: metadataOf(input.metadata),
            // A server-side API has no page for redirect-based methods to return to, so those are never offered.
            automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
          },
          key,
          FIELDS.createPaymentIntent,
        );
        const { node, ...rest } = payload(result, toPaymentIntent);
        return { paymentIntent: node, ...rest };
      },
      confirmPaymentIntent: async (_, { input }, { client }) => {
        const key = idempotencyKeyFor('confirmPaymentIntent', input);
        const result = await client.confirmPaymentIntent(
          input.paymentIntentId,
          input.paymentMethod ? { payment_method: input.paymentMethod } : {},
          key,
          FIELDS.confirmPaymentIntent,
        );
        const { node, ...rest } = payload(result, toPaymentIntent);
        return { paymentIntent: node, ...rest };
      },
      capturePaymentIntent: async (_, { input }, { client }) => {
        const key = idempotencyKeyFor('capturePaymentIntent', input);
        const params = typeof input.amount === 'number' ? { amount_to_capture: input.amount } : {};
        const result = await client.capturePaymentIntent(input.paymentIntentId, params, key, FIELDS.capturePaymentIntent);
        const { node, ...rest } = payload(result, toPaymentIntent);
        return { paymentIntent: node, ...rest };
      },
      cancelPaymentIntent: async (_, { input }, { client }) => {
        const key = idempotencyKeyFor('cancelPaymentIntent', input);
        const params = input.reason
          ? { cancellation_reason: input.reason.toLowerCase() as 'duplicate' | 'fraudulent' | 'requested_by_customer' | 'abandoned' }
          : {};
        const result = await client.cancelPaymentIntent(input.paymentIntentId, params, key, FIELDS.cancelPaymentIntent);
        const { node, ...rest } = payload(result, toPaymentIntent);
        return { paymentIntent: node, ...rest };
      },
      refundCharge: async (_, { input }, { client }) => {
        const key = idempotencyKeyFor('refundCharge', input);
        const result = await client.createRefund(
          {
            charge: input.chargeId,
            ...(typeof input.amount === 'number' ? { amount: input.amount } : {}),
            ...(input.reason ? { reason: input.reason.toLowerCase() as 'duplicate' | 'fraudulent' | 'requested_by_customer' } : {}),
            ...(input.metadata ? { metadata: metadataOf(input.metadata) } : {}),
          },
          key,
          FIELDS.refundCharge,
        );
        const { node, ...rest } = payload(result, toRefund);
        return { refund: node, ...rest };
      },
      cancelSubscription: async (_, { input }, { client }) => {
        const key = idempotencyKeyFor('cancelSubscription', input);
        const result = input.atPeriodEnd
          ? await client.updateSubscription(input.subscriptionId, { cancel_at_period_end: true }, key, FIELDS.subscription)
          : await cancelNow(client, input.subscriptionId, key);
        const { node, ...rest } = payload(result, toSubscription);
        return { subscription: node, ...rest };
      },
      pauseSubscription: async (_, { input }, { client }) => {
        const key = idempotencyKeyFor('pauseSubscription', input);
        const result = await client.pauseSubscription(input.subscriptionId, key, FIELDS.subscription);
        const { node, ...rest } = payload(result, toSubscription);
        return { subscription: node, ...rest };
      },

      // ---- Billing customers (sync/'s onboarding and offboarding sagas write through these) ----
      createBillingCustomer: async (_, { input }, { client, entityTags }) => {
        const key = idempotencyKeyFor('createBillingCustomer', input);
        const result = await client.createCustomer(
          {
            email: input.email.trim().toLowerCase(),
            ...(input.name ? { name: input.name } : {}),
            ...(input.phone ? { phone: input.phone } : {}),
            metadata: metadataOf(input.metadata),
          },
          key,
          FIELDS.createBillingCustomer,
        );
        // Responses that showed "no billing for this email" must not outlive the create.
        entityTags.add(`Customer:${result.object.email ?? ''}`);
        const { node, ...rest } = payload(result, toBilling);
        return { billing: node, ...rest };
      },
      deleteBillingCustomer: async (_, { input }, { client }) => {
        const id = input.customerId.trim();
        if (!/^cus_[A-Za-z0-9]+$/.test(id))
          throw new BadUserInputError('input.customerId must be a Stripe customer id (cus_...).', 'input.customerId');
        try {
          await client.deleteCustomer(id, FIELDS.deleteBillingCustomer);
          return { customerId: id, deleted: true, alreadyDeleted: false };
        } catch (error) {
          // Stripe takes no idempotency key on DELETE: a repeat answers "No such customer", the outcome asked for.
          if (error instanceof NotFoundError) return { customerId: id, deleted: true, alreadyDeleted: true };
          throw error;
        }
      },
      // ---- customer details (customer sync) ----
      updateBillingCustomer: async (_, { input }, { client, entityTags }) => {
        const built = toCustomerUpdateParams(input);
        if ('problem' in built) throw new BadUserInputError(`${built.problem}.`, built.field);
        const key = idempotencyKeyFor('updateCustomer', input);
        const result = await client.updateCustomer(input.customerId, built.params, key, FIELDS.updateCustomer);
        // The payments subgraph's Customer is keyed by email: the old address's cached billing is purged by the
        // webhook Stripe sends for the change (it names the previous email).
        if (result.object.email) entityTags.add(`Customer:${result.object.email}`);
        const { node, ...rest } = payload(result, toBilling);
        return { billing: node, ...rest };
      },
    },
  };
}
