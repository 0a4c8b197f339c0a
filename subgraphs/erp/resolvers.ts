import { z } from 'zod';
import type { Logger } from '../../platform/index.js';
import {
  BadUserInputError,
  ConflictError,
  NotFoundError,
  connectionFromArray,
  readPageArgs,
  required as requiredOf,
  validInput,
  scalarResolvers,
  toConnection,
} from '../kit/index.js';
import type { CreateOrderInput, Resolvers, UpdateErpCustomerInput, UpdateOrderInput } from './__generated__/resolvers.js';
import type { ErpClient } from './client.js';
import { blockErpCustomer, createErpCustomer, deleteErpCustomer } from './customers.js';
import { anyOf, navLiteral } from './filters.js';
import { keyFromVersion, toCode, toCustomerElement, toLineElement } from './input.js';
import {
  currencyOf,
  fieldText,
  newestFirst,
  salesLines,
  toOrder,
  toPostedInvoice,
  toProduct,
  toStatusOption,
  toErpAccount,
  type CustomerModel,
  type OrderModel,
} from './mapping.js';
import type { NavRecord } from './wire.js';

/** The ERP answers up to this many items per products page; one size keeps cursors interchangeable. */
const MAX_PAGE = 100;

/** Loads one entity or raises NOT_FOUND naming the ERP. */
const required = <T>(value: Promise<T | null>, typename: string, key: string): Promise<T> => requiredOf(value, typename, key, 'erp');

const customerRef = (erpCustomerNumber: string | null): CustomerModel => ({ __typename: 'Customer', erpCustomerNumber });

const code = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
const line = z.object({ productNumber: code(20).optional(), description: z.string().max(100, 'must be at most 100 characters').nullish() });

/** Validates order input beyond what the schema's scalars check; problems name the input field. */
const createInput = z.object({
  customerNumber: code(20),
  externalDocumentNumber: code(35),
  lines: z.array(line).min(1, 'must hold at least one line').max(200, 'must hold at most 200 lines'),
});
const updateInput = z.object({
  number: code(20),
  externalDocumentNumber: code(35).nullish(),
  changeLines: z.array(line).nullish(),
  addLines: z.array(line).nullish(),
});

const STALE = 'The order was changed by someone else since you read it. Read it again (for its new version) and retry.';

/** The orders of one customer with this external document number, in No order (the first created first). */
function ordersByDocument(client: ErpClient, customerNumber: string, documentNumber: string): Promise<NavRecord[]> {
  return client.readAll('SalesOrder', [
    { Field: 'Sell_to_Customer_No', Criteria: navLiteral(customerNumber) },
    { Field: 'External_Document_No', Criteria: navLiteral(documentNumber) },
  ]);
}

/**
 * createOrder, at most once per customer and external document number:
 * - a retry finds the order by External_Document_No before creating (one ReadMultiple) and returns it;
 * - concurrent calls for the same document in this process share one creation (the `creating` map);
 * - concurrent calls in different processes can each create: after creating, each reads the document's orders
 *   again, the lowest order number wins, and a loser deletes its own order and answers with the winner.
 */
function createOrderOnce(localCurrency: string) {
  const creating = new Map<string, Promise<OrderModel>>();

  async function create(
    client: ErpClient,
    log: Logger,
    input: CreateOrderInput,
    customerNumber: string,
    documentNumber: string,
  ): Promise<{ order: OrderModel; replayed: boolean }> {
    const existing = await ordersByDocument(client, customerNumber, documentNumber);
    if (existing.length > 0) return { order: toOrder(existing[0]!, localCurrency), replayed: true };

    // Prices in minor units need the order's currency; only then is the customer's default read.
    let currency = input.currency ?? undefined;
    if (!currency && input.lines.some((entry) => entry.unitPrice !== undefined && entry.unitPrice !== null)) {
      const customer = await client.read('Customer', customerNumber);
      if (!customer) throw new NotFoundError('Customer', customerNumber, { upstream: 'erp' });
      currency = currencyOf(fieldText(customer, 'Currency_Code'), localCurrency);
    }
    const created = await client.create('SalesOrder', {
      Sell_to_Customer_No: customerNumber,
      External_Document_No: documentNumber,
      ...(input.requestedDeliveryDate ? { Requested_Delivery_Date: input.requestedDeliveryDate } : {}),
      ...(input.currency ? { Currency_Code: input.currency } : {}),
      SalesLines: {
        Sales_Order_Line: input.lines.map((entry, index) => toLineElement(entry, currency ?? localCurrency, `input.lines.${index}`)),
      },
    });
    const winner = (await ordersByDocument(client, customerNumber, documentNumber))[0] ?? created;
    const createdNo = fieldText(created, 'No');
    if (fieldText(winner, 'No') === createdNo) return { order: toOrder(created, localCurrency), replayed: false };
    // Another process created the same document first: withdraw ours so exactly one order remains.
    await client.delete('SalesOrder', fieldText(created, 'Key')).catch((error: unknown) => {
      log.error(
        { err: error, order: createdNo, winner: fieldText(winner, 'No') },
        'could not delete a duplicate order; delete it in the ERP',
      );
    });
    return { order: toOrder(winner, localCurrency), replayed: true };
  }

  return async (client: ErpClient, log: Logger, input: CreateOrderInput): Promise<{ order: OrderModel; replayed: boolean }> => {
    validInput(createInput, input);
    // Line input is checked before any SOAP call (the currency only changes how prices are written).
    input.lines.forEach((entry, index) => toLineElement(entry, input.currency ?? localCurrency, `input.lines.${index}`));
    const customerNumber = toCode(input.customerNumber);
    const documentNumber = toCode(input.externalDocumentNumber);
    const key = `${customerNumber}\u0000${documentNumber}`;
    const running = creating.get(key);
    if (running) return { order: await running, replayed: true };
    const result = create(client, log, input, customerNumber, documentNumber);
    const order = result.then((outcome) => outcome.order);
    // Only concurrent callers await this copy; their failure is theirs to see, never an unhandled rejection.
    order.catch(() => {});
    creating.set(key, order);
    try {
      return await result;
    } finally {
      creating.delete(key);
    }
  };
}

/** The Update element for updateOrder, in the WSDL's element order; reads the order first only when lines need it. */
async function updateElement(
  client: ErpClient,
  input: UpdateOrderInput,
  number: string,
  key: string,
  localCurrency: string,
): Promise<Record<string, unknown> & { Key: string }> {
  const changes = input.changeLines ?? [];
  const additions = input.addLines ?? [];
  const prices = [...changes, ...additions].some((entry) => entry.unitPrice !== undefined && entry.unitPrice !== null);
  let currency = localCurrency;
  const lineKeys = new Map<number, string>();
  if (changes.length > 0 || prices) {
    // Line changes need the lines' own Keys, and prices the order's currency: both come from a fresh read,
    // which is only good if nobody changed the order since the caller's version.
    const current = await client.read('SalesOrder', number);
    if (!current) throw new NotFoundError('Order', number, { upstream: 'erp' });
    if (fieldText(current, 'Key') !== key) throw new ConflictError(STALE, { upstream: 'erp' });
    currency = currencyOf(fieldText(current, 'Currency_Code'), localCurrency);
    for (const line of salesLines(current)) lineKeys.set(Number(fieldText(line, 'Line_No')), fieldText(line, 'Key'));
  }
  const lineElements = [
    ...changes.map((change, index) => {
      const lineKey = lineKeys.get(change.lineNumber);
      if (!lineKey)
        throw new BadUserInputError(
          `input.changeLines.${index}.lineNumber: order ${number} has no line ${change.lineNumber}.`,
          `input.changeLines.${index}.lineNumber`,
        );
      return { Key: lineKey, ...toLineElement(change, currency, `input.changeLines.${index}`) };
    }),
    ...additions.map((addition, index) => toLineElement(addition, currency, `input.addLines.${index}`)),
  ];
  const element = {
    Key: key,
    ...(input.externalDocumentNumber ? { External_Document_No: toCode(input.externalDocumentNumber) } : {}),
    ...(input.requestedDeliveryDate ? { Requested_Delivery_Date: input.requestedDeliveryDate } : {}),
    ...(input.status ? { Status: toStatusOption(input.status) } : {}),
    ...(lineElements.length > 0 ? { SalesLines: { Sales_Order_Line: lineElements } } : {}),
  };
  if (Object.keys(element).length === 1) throw new BadUserInputError('input names no field to change.', 'input');
  return element;
}

/** NAV takes UpdateMultiple lists of any length; ours stay at one HubSpot-sized batch so one call stays short. */
const MAX_CUSTOMER_UPDATES = 100;

/**
 * updateErpCustomers' inputs as UpdateMultiple elements, with their customer numbers. Inputs without a version
 * take the card's current Key, read for all of them in one ReadMultiple.
 */
async function customerUpdates(
  client: ErpClient,
  inputs: readonly UpdateErpCustomerInput[],
): Promise<Array<{ number: string; element: Record<string, string> & { Key: string } }>> {
  if (inputs.length === 0 || inputs.length > MAX_CUSTOMER_UPDATES)
    throw new BadUserInputError(`inputs must hold 1 to ${MAX_CUSTOMER_UPDATES} customers.`, 'inputs');
  const numbers = inputs.map((input) => toCode(input.number));
  const repeated = numbers.find((number, index) => numbers.indexOf(number) !== index);
  if (repeated) throw new BadUserInputError(`inputs name customer ${repeated} more than once.`, 'inputs');
  const unversioned = numbers.filter((_, index) => !inputs[index]!.version);
  const current = new Map<string, string>();
  if (unversioned.length > 0) {
    const records = await client.readAll('Customer', [{ Field: 'No', Criteria: anyOf(unversioned) }]);
    for (const record of records) current.set(fieldText(record, 'No'), fieldText(record, 'Key'));
  }
  return inputs.map((input, index) => {
    const number = numbers[index]!;
    const key = input.version ? keyFromVersion(input.version, number, `inputs.${index}.version`) : current.get(number);
    if (!key) throw new NotFoundError('Customer', number, { upstream: 'erp' });
    return { number, element: { Key: key, ...toCustomerElement(input) } };
  });
}

export function createResolvers(localCurrency: string): Resolvers {
  const order = (row: NavRecord) => toOrder(row, localCurrency);
  const invoice = (row: NavRecord) => toPostedInvoice(row, localCurrency);
  const product = (row: NavRecord) => toProduct(row, localCurrency);
  const createOrder = createOrderOnce(localCurrency);

  return {
    ...scalarResolvers,
    Query: {
      order: (_, { number }, { loaders }) => required(loaders.order.load(toCode(number)), 'Order', number).then(order),
      product: (_, { number }, { loaders }) => required(loaders.item.load(toCode(number)), 'Product', number).then(product),
      products: async (_, args, { client, loaders }) => {
        const request = readPageArgs(args, MAX_PAGE);
        // One record more than the page tells whether another page exists without a further call.
        const rows = await client.readPage('Item', [], request.limit + 1, request.vendorAfter);
        const page = rows.slice(0, request.limit);
        loaders.prime('Item', page);
        const next = rows.length > request.limit ? fieldText(page[page.length - 1]!, 'Key') : undefined;
        return toConnection(request, page, next, product);
      },
    },
    Mutation: {
      // Besides the order itself (tagged from the payload), a write changes its customer's order lists: their
      // tag is added so cached responses showing those lists are purged too.
      createOrder: async (_, { input }, { client, log, entityTags }) => {
        const payload = await createOrder(client, log, input);
        entityTags.add(`Customer:${payload.order.customerNumber}`);
        return payload;
      },
      updateOrder: async (_, { input }, { client, entityTags }) => {
        validInput(updateInput, input);
        const number = toCode(input.number);
        const key = keyFromVersion(input.version, number);
        const updated = order(await client.update('SalesOrder', await updateElement(client, input, number, key, localCurrency)));
        entityTags.add(`Customer:${updated.customerNumber}`);
        return { order: updated };
      },
      cancelOrder: async (_, { input }, { client, entityTags }) => {
        const number = toCode(input.number);
        await client.delete('SalesOrder', keyFromVersion(input.version, number));
        // NAV's Delete answers only true, so the customer is not known here; their lists expire by maxAge.
        entityTags.add(`Order:${number}`);
        return { number };
      },

      // ---- ERP customers (sync/'s onboarding and offboarding sagas write through these) ----
      createErpCustomer: async (_, { input }, { client, entityTags }) => {
        const created = await createErpCustomer(client, input, localCurrency);
        entityTags.add(`Customer:${created.erpCustomerNumber}`);
        return created;
      },
      blockErpCustomer: async (_, { input }, { client, entityTags }) => {
        const blocked = await blockErpCustomer(client, input);
        entityTags.add(`Customer:${blocked.erpCustomerNumber}`);
        return blocked;
      },
      deleteErpCustomer: async (_, { input }, { client, entityTags }) => {
        const deleted = await deleteErpCustomer(client, input);
        entityTags.add(`Customer:${deleted.erpCustomerNumber}`);
        return deleted;
      },

      // ---- customer card (customer sync) ----
      updateErpCustomer: async (_, { input }, { client, entityTags }) => {
        const number = toCode(input.number);
        const fields = toCustomerElement(input);
        let key: string;
        if (input.version) key = keyFromVersion(input.version, number);
        else {
          // No version: the card as it is now (last writer wins); a write between this read and the Update is
          // still refused by NAV as a conflict, never overwritten unseen.
          const current = await client.read('Customer', number);
          if (!current) throw new NotFoundError('Customer', number, { upstream: 'erp' });
          key = fieldText(current, 'Key');
        }
        const updated = await client.update('Customer', { Key: key, ...fields });
        entityTags.add(`Customer:${number}`);
        return { account: toErpAccount(updated) };
      },
      updateErpCustomers: async (_, { inputs }, { client, entityTags }) => {
        const updates = await customerUpdates(client, inputs);
        const updated = await client.updateMany(
          'Customer',
          updates.map((update) => update.element),
        );
        for (const update of updates) entityTags.add(`Customer:${update.number}`);
        return { accounts: updated.map(toErpAccount) };
      },
    },
    Customer: {
      // The ERP adds fields to any customer number; whether the ERP knows it shows in empty lists, not an error.
      __resolveReference: (reference) => customerRef(reference.erpCustomerNumber ?? null),
      orders: async (customer, args, { loaders }) => {
        if (!customer.erpCustomerNumber) return connectionFromArray([], args, order);
        const rows = await loaders.customerOrders.load({
          customerNumber: toCode(customer.erpCustomerNumber),
          statuses: args.filter?.status ?? null,
        });
        loaders.prime('SalesOrder', rows);
        return connectionFromArray(rows.map(order).sort(newestFirst), args, (model) => model);
      },
      account: async (customer, _, { loaders }) => {
        if (!customer.erpCustomerNumber) return null;
        const row = await loaders.account.load(toCode(customer.erpCustomerNumber));
        return row ? toErpAccount(row) : null;
      },
      invoices: async (customer, args, { loaders }) => {
        if (!customer.erpCustomerNumber) return connectionFromArray([], args, invoice);
        const rows = await loaders.customerInvoices.load({
          customerNumber: toCode(customer.erpCustomerNumber),
          status: args.filter?.status ?? null,
        });
        loaders.prime('PostedSalesInvoice', rows);
        return connectionFromArray(rows.map(invoice).sort(newestFirst), args, (model) => model);
      },
    },
    Order: {
      __resolveReference: async (reference, { loaders }) => {
        const row = await loaders.order.load(toCode(reference.number));
        return row ? order(row) : null;
      },
      customer: (parent) => customerRef(parent.customerNumber),
    },
    OrderLine: {
      product: async (line, _, { loaders }) => {
        if (!line.productNumber) return null;
        const row = await loaders.item.load(line.productNumber);
        return row ? product(row) : null;
      },
    },
    PostedInvoice: {
      __resolveReference: async (reference, { loaders }) => {
        const row = await loaders.invoice.load(toCode(reference.number));
        return row ? invoice(row) : null;
      },
      customer: (parent) => customerRef(parent.customerNumber),
    },
    Product: {
      __resolveReference: async (reference, { loaders }) => {
        const row = await loaders.item.load(toCode(reference.number));
        return row ? product(row) : null;
      },
    },
  };
}
