import Stripe from 'stripe';
import {
  createAbortableAgent,
  createVendorClient,
  type OperationTable,
  type PolicyClientOptions,
  type VendorClient,
} from '../kit/index.js';
import type { StripeEndpoint } from './config.js';
import { STRIPE, toStripeError, type FieldMap } from './errors.js';
import type { StripeCharge, StripeCustomer, StripeInvoice, StripePaymentIntent, StripeRefund, StripeSubscription } from './wire.js';

/** Stripe serves at most 100 rows per list or search page. */
export const MAX_STRIPE_PAGE = 100;

export type SearchPage<T> = { data: T[]; hasMore: boolean; nextPage: string | null };

/** A write's result: the object, the key it was sent with, and whether Stripe replayed an earlier answer. */
export type WriteResult<T> = { object: T; idempotencyKey: string; replayed: boolean };

/** The Stripe calls the payments subgraph makes. Searches expand what the schema shows without another call. */
export interface PaymentsClient extends VendorClient<PaymentsClient> {
  /** Customers matching a search query, with their current subscriptions and default payment method expanded. */
  searchCustomers(query: string, page?: string): Promise<SearchPage<StripeCustomer>>;
  searchInvoices(query: string, page?: string): Promise<SearchPage<StripeInvoice>>;
  searchPaymentIntents(query: string, page?: string): Promise<SearchPage<StripePaymentIntent>>;
  /** Charges with their refunds expanded. */
  searchCharges(query: string, page?: string): Promise<SearchPage<StripeCharge>>;
  /** One customer's subscriptions, newest first, canceled ones included with `all` (one page of up to 100). */
  listSubscriptions(customerId: string, options: { all: boolean }): Promise<SearchPage<StripeSubscription>>;
  retrieveSubscription(id: string): Promise<StripeSubscription>;
  createPaymentIntent(
    params: Stripe.PaymentIntentCreateParams,
    idempotencyKey: string,
    fields: FieldMap,
  ): Promise<WriteResult<StripePaymentIntent>>;
  confirmPaymentIntent(
    id: string,
    params: Stripe.PaymentIntentConfirmParams,
    idempotencyKey: string,
    fields: FieldMap,
  ): Promise<WriteResult<StripePaymentIntent>>;
  capturePaymentIntent(
    id: string,
    params: Stripe.PaymentIntentCaptureParams,
    idempotencyKey: string,
    fields: FieldMap,
  ): Promise<WriteResult<StripePaymentIntent>>;
  cancelPaymentIntent(
    id: string,
    params: Stripe.PaymentIntentCancelParams,
    idempotencyKey: string,
    fields: FieldMap,
  ): Promise<WriteResult<StripePaymentIntent>>;
  createRefund(params: Stripe.RefundCreateParams, idempotencyKey: string, fields: FieldMap): Promise<WriteResult<StripeRefund>>;
  /** DELETE /v1/subscriptions/{id}: ends it now. */
  cancelSubscription(id: string, idempotencyKey: string, fields: FieldMap): Promise<WriteResult<StripeSubscription>>;
  updateSubscription(
    id: string,
    params: Stripe.SubscriptionUpdateParams,
    idempotencyKey: string,
    fields: FieldMap,
  ): Promise<WriteResult<StripeSubscription>>;
  pauseSubscription(id: string, idempotencyKey: string, fields: FieldMap): Promise<WriteResult<StripeSubscription>>;

  // ---- Billing customers (written by sync/'s sagas through createBillingCustomer / deleteBillingCustomer) ----
  createCustomer(params: Stripe.CustomerCreateParams, idempotencyKey: string, fields: FieldMap): Promise<WriteResult<StripeCustomer>>;
  /** DELETE /v1/customers/{id}: Stripe also cancels the customer's subscriptions. Takes no idempotency key. */
  deleteCustomer(id: string, fields: FieldMap): Promise<void>;
  // ---- customer details (customer sync) ----
  /** POST /v1/customers/{id}: name, email, phone, address, metadata (merged by key); default payment method expanded. */
  updateCustomer(
    id: string,
    params: Stripe.CustomerUpdateParams,
    idempotencyKey: string,
    fields: FieldMap,
  ): Promise<WriteResult<StripeCustomer>>;
}

/** Quota buckets: `default` for every call (see OPERATIONS). */
export type PaymentsClientOptions = PolicyClientOptions & {
  endpoint: StripeEndpoint;
  secretKey: string;
};

/**
 * Every Stripe call the client makes. Reads are repeatable; every write carries ONE idempotency key, made by the
 * resolver from the input before the call, so every attempt sends the same key, Stripe applies the write at
 * most once and a retry gets the first answer back. Every call spends the one `default` quota.
 */
export const OPERATIONS = {
  searchCustomers: { kind: 'read' },
  searchInvoices: { kind: 'read' },
  searchPaymentIntents: { kind: 'read' },
  searchCharges: { kind: 'read' },
  listSubscriptions: { kind: 'read' },
  retrieveSubscription: { kind: 'read' },
  createPaymentIntent: { kind: 'write', idempotent: true },
  confirmPaymentIntent: { kind: 'write', idempotent: true },
  capturePaymentIntent: { kind: 'write', idempotent: true },
  cancelPaymentIntent: { kind: 'write', idempotent: true },
  createRefund: { kind: 'write', idempotent: true },
  cancelSubscription: { kind: 'write', idempotent: true },
  updateSubscription: { kind: 'write', idempotent: true },
  pauseSubscription: { kind: 'write', idempotent: true },
  // Billing customers: a create carries its Idempotency-Key; a repeated DELETE changes nothing more (the
  // second answers "No such customer", which the resolver reads as already deleted).
  createCustomer: { kind: 'write', idempotent: true },
  deleteCustomer: { kind: 'write', idempotent: true },
  // ---- customer details (customer sync) ----
  updateCustomer: { kind: 'write', idempotent: true },
} as const satisfies OperationTable<string>;

type Operation = keyof typeof OPERATIONS;
type WriteOperation = { [Name in Operation]: (typeof OPERATIONS)[Name]['kind'] extends 'write' ? Name : never }[Operation];

type WithResponse<T> = T & { lastResponse?: { headers: Record<string, string> } };

export function createPaymentsClient(options: PaymentsClientOptions): PaymentsClient {
  // At least the bulkhead's limit, so every attempt the bulkhead admits has a socket.
  const pool = createAbortableAgent({
    https: options.endpoint.protocol === 'https',
    maxSockets: Math.max(32, options.policy.bulkhead.limit),
  });
  const stripe = new Stripe(options.secretKey, {
    host: options.endpoint.host,
    port: options.endpoint.port,
    protocol: options.endpoint.protocol,
    // Retries belong to the kit's call policy (one place for every vendor), so the SDK's are off.
    maxNetworkRetries: 0,
    // A backstop a little after the policy's own timeout, which aborts the socket first (pool.bind).
    timeout: options.policy.timeoutMs + 1000,
    telemetry: false,
    httpAgent: pool.agent,
  });

  const page = <T>(result: { data: T[]; has_more: boolean; next_page?: string | null }): SearchPage<T> => ({
    data: result.data,
    hasMore: result.has_more,
    nextPage: result.next_page ?? null,
  });
  const searchParams = (query: string, next: string | undefined, expand: string[] = []) => ({
    query,
    limit: MAX_STRIPE_PAGE,
    ...(next ? { page: next } : {}),
    ...(expand.length > 0 ? { expand } : {}),
  });

  return createVendorClient<PaymentsClient, Operation>(options, {
    ...STRIPE,
    operations: OPERATIONS,
    close: () => pool.close(),
    methods: (call) => {
      /** One read. */
      const read = <T>(operation: Operation, run: () => Promise<T>): Promise<T> => call(operation, (signal) => pool.bind(signal, run));

      /** One write under its idempotency key; errors are translated with the mutation's field names, replays noticed. */
      const write = async <T>(
        operation: WriteOperation,
        idempotencyKey: string,
        fields: FieldMap,
        run: (requestOptions: Stripe.RequestOptions) => Promise<WithResponse<T>>,
      ): Promise<WriteResult<T>> => {
        const object = await call(
          operation,
          (signal) => pool.bind(signal, () => run({ idempotencyKey })),
          (error) => toStripeError(error, fields),
        );
        return { object, idempotencyKey, replayed: object.lastResponse?.headers['idempotent-replayed'] === 'true' };
      };

      return {
        searchCustomers: (query, next) =>
          read('searchCustomers', async () => {
            const result = await stripe.customers.search(
              searchParams(query, next, ['data.subscriptions', 'data.invoice_settings.default_payment_method']),
            );
            return page<StripeCustomer>(result);
          }),
        searchInvoices: (query, next) =>
          read('searchInvoices', async () => page<StripeInvoice>(await stripe.invoices.search(searchParams(query, next)))),
        searchPaymentIntents: (query, next) =>
          read('searchPaymentIntents', async () =>
            page<StripePaymentIntent>(await stripe.paymentIntents.search(searchParams(query, next))),
          ),
        searchCharges: (query, next) =>
          read('searchCharges', async () => page<StripeCharge>(await stripe.charges.search(searchParams(query, next, ['data.refunds'])))),
        listSubscriptions: (customer, { all }) =>
          read('listSubscriptions', async () =>
            page<StripeSubscription>(
              await stripe.subscriptions.list({ customer, limit: MAX_STRIPE_PAGE, ...(all ? { status: 'all' as const } : {}) }),
            ),
          ),
        retrieveSubscription: (id) => read('retrieveSubscription', () => stripe.subscriptions.retrieve(id)),

        createPaymentIntent: (params, key, fields) =>
          write('createPaymentIntent', key, fields, (requestOptions) => stripe.paymentIntents.create(params, requestOptions)),
        confirmPaymentIntent: (id, params, key, fields) =>
          write('confirmPaymentIntent', key, fields, (requestOptions) => stripe.paymentIntents.confirm(id, params, requestOptions)),
        capturePaymentIntent: (id, params, key, fields) =>
          write('capturePaymentIntent', key, fields, (requestOptions) => stripe.paymentIntents.capture(id, params, requestOptions)),
        cancelPaymentIntent: (id, params, key, fields) =>
          write('cancelPaymentIntent', key, fields, (requestOptions) => stripe.paymentIntents.cancel(id, params, requestOptions)),
        createRefund: (params, key, fields) =>
          write('createRefund', key, fields, (requestOptions) => stripe.refunds.create(params, requestOptions)),
        cancelSubscription: (id, key, fields) =>
          write('cancelSubscription', key, fields, (requestOptions) => stripe.subscriptions.cancel(id, {}, requestOptions)),
        updateSubscription: (id, params, key, fields) =>
          write('updateSubscription', key, fields, (requestOptions) => stripe.subscriptions.update(id, params, requestOptions)),
        pauseSubscription: (id, key, fields) =>
          write('pauseSubscription', key, fields, (requestOptions) => stripe.subscriptions.pause(id, {}, requestOptions)),

        createCustomer: (params, key, fields) =>
          write('createCustomer', key, fields, (requestOptions) => stripe.customers.create(params, requestOptions)),
        deleteCustomer: async (id, fields) => {
          await call(
            'deleteCustomer',
            (signal) => pool.bind(signal, () => stripe.customers.del(id)),
            (error) => toStripeError(error, fields),
          );
        },
        // ---- customer details (customer sync) ----
        updateCustomer: (id, params, key, fields) =>
          write('updateCustomer', key, fields, async (requestOptions) => {
            const customer = await stripe.customers.update(
              id,
              { ...params, expand: ['invoice_settings.default_payment_method'] },
              requestOptions,
            );
            return customer as unknown as WithResponse<StripeCustomer>;
          }),
      };
    },
  });
}
