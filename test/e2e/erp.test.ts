import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ErpSoapEmulator } from '../../emulators/erp-soap/index.js';
import { startTestStack, type TestStack } from '../kit/stack.js';

let stack: TestStack;
const erp = (): ErpSoapEmulator => stack.emulators['erp-soap']!;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack.close());
beforeEach(() => erp().requests.clear());

type Money = { amount: number; currency: string };
type OrderNode = {
  number: string;
  version: string;
  status: string;
  externalDocumentNumber: string | null;
  customerNumber: string;
  lines: Array<{ lineNumber: number; productNumber: string; quantity: number; unitPrice: Money | null; amount: Money | null }>;
  totals: { net: Money | null; vat: Money | null; gross: Money | null };
};

const ORDER_FIELDS = `number version status externalDocumentNumber customerNumber
  lines { lineNumber productNumber quantity unitPrice { amount currency } amount { amount currency } }
  totals { net { amount currency } vat { amount currency } gross { amount currency } }`;

/** Hundredths from the emulator's decimal text, as the API's Money.amount for two-digit currencies. */
const cents = (text: unknown): number => Math.round(Number(text) * 100);

/** A customer that can order: the emulator blocks a few with Blocked = All. */
const orderingCustomer = (index: number): string =>
  erp()
    .snapshot('Customer')
    .filter((customer) => customer.Blocked === '_blank_')[index]!.No as string;
const orderableItem = (index: number): string =>
  erp()
    .snapshot('Item')
    .filter((item) => item.Blocked === 'false')[index]!.No as string;

describe('orders and invoices on the CRM customer', () => {
  it('serves 50 customers with their open orders and lines from one SOAP call, the WSDL never fetched', async () => {
    const result = await stack.query<{
      customers: {
        nodes: Array<{ email: string; erpCustomerNumber: string | null; orders: { nodes: OrderNode[]; totalCount: number } | null }>;
      };
    }>(`{
      customers(first: 50) {
        nodes { email erpCustomerNumber orders(first: 20, filter: { status: [OPEN] }) { totalCount nodes { ${ORDER_FIELDS} } } }
      }
    }`);
    expect(result.errors).toBeUndefined();
    const customers = result.data!.customers.nodes;
    expect(customers).toHaveLength(50);

    const snapshot = erp().snapshot('SalesOrder');
    let withOrders = 0;
    for (const customer of customers) {
      const expected = snapshot
        .filter((order) => order.Sell_to_Customer_No === customer.erpCustomerNumber && order.Status === 'Open')
        .map((order) => order.No)
        .reverse();
      expect(customer.orders!.nodes.map((order) => order.number)).toEqual(expected);
      if (expected.length > 0) withOrders++;
      for (const order of customer.orders!.nodes) {
        const stored = snapshot.find((record) => record.No === order.number)!;
        expect(order.status).toBe('OPEN');
        expect(order.totals.net).toEqual({ amount: cents(stored.Amount), currency: stored.Currency_Code });
        expect(order.totals.gross!.amount).toBe(cents(stored.Amount_Including_VAT));
        expect(order.totals.vat!.amount).toBe(cents(stored.Amount_Including_VAT) - cents(stored.Amount));
        const lines = typeof stored.SalesLines === 'object' ? stored.SalesLines.Sales_Order_Line : [];
        expect(order.lines.map((line) => [line.lineNumber, line.productNumber, line.quantity, line.amount!.amount])).toEqual(
          lines.map((line) => [Number(line.Line_No), line.No, Number(line.Quantity), cents(line.Line_Amount)]),
        );
      }
    }
    expect(withOrders).toBeGreaterThan(5);
    expect(erp().soapCalls()).toBeLessThanOrEqual(2);
    expect(erp().soapCalls()).toBe(1);
    expect(erp().requests.count({ method: 'GET' })).toBe(0);
  });

  it('adds invoices by status and the products of the lines with one more call each', async () => {
    const result = await stack.query<{
      customers: {
        nodes: Array<{
          erpCustomerNumber: string | null;
          orders: {
            nodes: Array<{
              lines: Array<{ product: { number: string; inventory: { onHand: number; reserved: number; available: number } } | null }>;
            }>;
          } | null;
          invoices: { nodes: Array<{ number: string; status: string; remainingAmount: Money | null }> } | null;
        }>;
      };
    }>(`{
      customers(first: 50) {
        nodes {
          erpCustomerNumber
          orders(first: 5) { nodes { lines { product { number inventory { onHand reserved available } } } } }
          invoices(first: 20, filter: { status: OPEN }) { nodes { number status remainingAmount { amount currency } } }
        }
      }
    }`);
    expect(result.errors).toBeUndefined();
    const invoices = erp().snapshot('PostedSalesInvoice');
    for (const customer of result.data!.customers.nodes) {
      const expected = invoices.filter(
        (invoice) => invoice.Sell_to_Customer_No === customer.erpCustomerNumber && invoice.Closed === 'false',
      );
      expect(customer.invoices!.nodes.map((invoice) => invoice.number)).toEqual(
        expected
          .map((invoice) => invoice.No)
          .reverse()
          .slice(0, 20),
      );
      for (const invoice of customer.invoices!.nodes) expect(invoice.status).toBe('OPEN');
    }
    const products = result.data!.customers.nodes.flatMap((customer) =>
      customer.orders!.nodes.flatMap((order) => order.lines.map((line) => line.product!)),
    );
    expect(products.length).toBeGreaterThan(10);
    const items = new Map(
      erp()
        .snapshot('Item')
        .map((item) => [item.No, item]),
    );
    for (const product of products) {
      const item = items.get(product.number)!;
      expect(product.inventory).toEqual({
        onHand: Number(item.Inventory),
        reserved: Number(item.Reserved_Qty),
        available: Number(item.Available),
      });
    }
    // Orders, invoices and items: one ReadMultiple each.
    expect([erp().soapCalls('SalesOrder'), erp().soapCalls('PostedSalesInvoice'), erp().soapCalls('Item')]).toEqual([1, 1, 1]);
  });

  it('joins an order back to the CRM customer by the ERP customer number', async () => {
    const order = erp().snapshot('SalesOrder')[3]!;
    const result = await stack.query<{ order: { number: string; customer: { erpCustomerNumber: string; email: string | null } } }>(
      `query($number: ID!) { order(number: $number) { number customer { erpCustomerNumber email } } }`,
      { number: order.No },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data!.order.customer.erpCustomerNumber).toBe(order.Sell_to_Customer_No);
    expect(result.data!.order.customer.email).toMatch(/@/);
  });

  it('answers NOT_FOUND for an order number the ERP does not have', async () => {
    const result = await stack.query('{ order(number: "SO-99999") { number } }');
    expect(result.data?.order).toBeNull();
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('products', () => {
  it('pages through every item exactly once, one SOAP call per page', async () => {
    type Page = {
      products: { nodes: Array<{ number: string; unitPrice: Money | null }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
    };
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const result: Awaited<ReturnType<typeof stack.query<Page>>> = await stack.query<Page>(
        'query($after: String) { products(first: 30, after: $after) { nodes { number unitPrice { amount currency } } pageInfo { hasNextPage endCursor } } }',
        { after },
      );
      expect(result.errors).toBeUndefined();
      seen.push(...result.data!.products.nodes.map((node) => node.number));
      after = result.data!.products.pageInfo.hasNextPage ? result.data!.products.pageInfo.endCursor : null;
      pages++;
    } while (after && pages < 10);
    const items = erp()
      .snapshot('Item')
      .map((item) => item.No);
    expect(seen).toEqual(items);
    expect(pages).toBe(Math.ceil(items.length / 30));
    expect(erp().soapCalls('Item')).toBe(pages);
  });

  it('reads one product with its inventory', async () => {
    const item = erp().snapshot('Item')[7]!;
    const result = await stack.query<{ product: { number: string; unitPrice: Money; inventory: { available: number } } }>(
      `{ product(number: "${item.No as string}") { number unitPrice { amount currency } inventory { available } } }`,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data!.product).toEqual({
      number: item.No,
      unitPrice: { amount: cents(item.Unit_Price), currency: 'EUR' },
      inventory: { available: Number(item.Available) },
    });
  });
});

const CREATE = `mutation($input: CreateOrderInput!) { createOrder(input: $input) { replayed order { ${ORDER_FIELDS} } } }`;
const UPDATE = `mutation($input: UpdateOrderInput!) { updateOrder(input: $input) { order { ${ORDER_FIELDS} } } }`;
type CreateResult = { createOrder: { replayed: boolean; order: OrderNode } | null };
type UpdateResult = { updateOrder: { order: OrderNode } | null };

const ordersWithDocument = (document: string) =>
  erp()
    .snapshot('SalesOrder')
    .filter((order) => order.External_Document_No === document);

describe('createOrder', () => {
  it('creates the order once per external document number: a retry returns the first order', async () => {
    const input = {
      customerNumber: orderingCustomer(0),
      externalDocumentNumber: 'po-e2e-retry',
      requestedDeliveryDate: '2026-12-01',
      lines: [
        { productNumber: orderableItem(0), quantity: 3 },
        { productNumber: orderableItem(1), quantity: 1.5, unitPrice: 1999 },
      ],
    };
    const first = await stack.query<CreateResult>(CREATE, { input });
    expect(first.errors).toBeUndefined();
    const created = first.data!.createOrder!;
    expect(created.replayed).toBe(false);
    expect(created.order).toMatchObject({ status: 'OPEN', externalDocumentNumber: 'PO-E2E-RETRY', customerNumber: input.customerNumber });
    expect(created.order.lines.map((line) => [line.productNumber, line.quantity])).toEqual([
      [orderableItem(0), 3],
      [orderableItem(1), 1.5],
    ]);
    expect(created.order.lines[1]!.unitPrice!.amount).toBe(1999);

    const retry = await stack.query<CreateResult>(CREATE, { input });
    expect(retry.errors).toBeUndefined();
    expect(retry.data!.createOrder!.replayed).toBe(true);
    expect(retry.data!.createOrder!.order.number).toBe(created.order.number);
    expect(ordersWithDocument('PO-E2E-RETRY')).toHaveLength(1);
  });

  it('creates one order when the same document arrives twice at once', async () => {
    const input = {
      customerNumber: orderingCustomer(1),
      externalDocumentNumber: 'PO-E2E-RACE',
      lines: [{ productNumber: orderableItem(2), quantity: 2 }],
    };
    const results = await Promise.all([stack.query<CreateResult>(CREATE, { input }), stack.query<CreateResult>(CREATE, { input })]);
    for (const result of results) expect(result.errors).toBeUndefined();
    const payloads = results.map((result) => result.data!.createOrder!);
    expect(payloads.map((payload) => payload.replayed).sort()).toEqual([false, true]);
    expect(payloads[0]!.order.number).toBe(payloads[1]!.order.number);
    expect(ordersWithDocument('PO-E2E-RACE')).toHaveLength(1);
  });

  it('reports a product the ERP does not know as NOT_FOUND and a blocked customer as BAD_USER_INPUT', async () => {
    const unknown = await stack.query<CreateResult>(CREATE, {
      input: {
        customerNumber: orderingCustomer(2),
        externalDocumentNumber: 'PO-E2E-NOITEM',
        lines: [{ productNumber: 'NOPE-1', quantity: 1 }],
      },
    });
    expect(unknown.data!.createOrder).toBeNull();
    expect(unknown.errors?.[0]).toMatchObject({
      message: 'Product NOPE-1 was not found.',
      extensions: { code: 'NOT_FOUND', upstream: 'erp' },
    });

    const blocked = erp()
      .snapshot('Customer')
      .find((customer) => customer.Blocked === 'All')!;
    const refused = await stack.query<CreateResult>(CREATE, {
      input: {
        customerNumber: blocked.No,
        externalDocumentNumber: 'PO-E2E-BLOCKED',
        lines: [{ productNumber: orderableItem(0), quantity: 1 }],
      },
    });
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', upstream: 'erp' });
    expect(refused.errors?.[0]?.message).toContain('blocked');
    expect(ordersWithDocument('PO-E2E-NOITEM')).toHaveLength(0);
  });

  it('refuses invalid input before calling the ERP', async () => {
    const result = await stack.query<CreateResult>(CREATE, {
      input: {
        customerNumber: orderingCustomer(0),
        externalDocumentNumber: 'PO-E2E-BAD',
        lines: [{ productNumber: orderableItem(0), quantity: 0.125 }],
      },
    });
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.lines.0.quantity' });
    expect(erp().soapCalls()).toBe(0);
  });
});

describe('updateOrder and cancelOrder', () => {
  async function freshOrder(document: string): Promise<OrderNode> {
    const input = {
      customerNumber: orderingCustomer(3),
      externalDocumentNumber: document,
      lines: [{ productNumber: orderableItem(3), quantity: 4 }],
    };
    return (await stack.query<CreateResult>(CREATE, { input })).data!.createOrder!.order;
  }

  it('of two concurrent updates with one version, one wins and the other gets CONFLICT', async () => {
    const order = await freshOrder('PO-E2E-CONCURRENT');
    const [alice, bob] = await Promise.all([
      stack.query<UpdateResult>(UPDATE, { input: { number: order.number, version: order.version, requestedDeliveryDate: '2026-12-24' } }),
      stack.query<UpdateResult>(UPDATE, { input: { number: order.number, version: order.version, status: 'RELEASED' } }),
    ]);
    const outcomes = [alice, bob];
    const won = outcomes.filter((result) => result.data?.updateOrder);
    const lost = outcomes.filter((result) => !result.data?.updateOrder);
    expect([won.length, lost.length]).toEqual([1, 1]);
    expect(lost[0]!.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', upstream: 'erp' });
    expect(lost[0]!.errors?.[0]?.message).toMatch(/Read it again/);
    const winner = won[0]!.data!.updateOrder!.order;
    expect(winner.version).not.toBe(order.version);

    // The loser re-reads and retries with the new version.
    const reread = await stack.query<{ order: OrderNode }>(`query($n: ID!) { order(number: $n) { ${ORDER_FIELDS} } }`, { n: order.number });
    expect(reread.data!.order.version).toBe(winner.version);
    const retried = await stack.query<UpdateResult>(UPDATE, {
      input: { number: order.number, version: winner.version, externalDocumentNumber: 'PO-E2E-CONCURRENT-2' },
    });
    expect(retried.errors).toBeUndefined();
    expect(retried.data!.updateOrder!.order.externalDocumentNumber).toBe('PO-E2E-CONCURRENT-2');
  });

  it('changes a line and appends one, after checking the version', async () => {
    const order = await freshOrder('PO-E2E-LINES');
    const result = await stack.query<UpdateResult>(UPDATE, {
      input: {
        number: order.number,
        version: order.version,
        changeLines: [{ lineNumber: order.lines[0]!.lineNumber, quantity: 1, unitPrice: 10000 }],
        addLines: [{ productNumber: orderableItem(4), quantity: 2, unitPrice: 250 }],
      },
    });
    expect(result.errors).toBeUndefined();
    const updated = result.data!.updateOrder!.order;
    expect(updated.lines.map((line) => [line.lineNumber, line.quantity, line.amount!.amount])).toEqual([
      [10000, 1, 10000],
      [20000, 2, 500],
    ]);
    expect(updated.totals.net!.amount).toBe(10500);

    const stale = await stack.query<UpdateResult>(UPDATE, {
      input: { number: order.number, version: order.version, changeLines: [{ lineNumber: 10000, quantity: 2 }] },
    });
    expect(stale.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT' });
  });

  it('refuses a version of another order', async () => {
    const [one, two] = await Promise.all([freshOrder('PO-E2E-V1'), freshOrder('PO-E2E-V2')]);
    const result = await stack.query<UpdateResult>(UPDATE, { input: { number: one.number, version: two.version, status: 'RELEASED' } });
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.version' });
  });

  it('cancels with the current version; a stale version is CONFLICT, a cancelled order NOT_FOUND', async () => {
    const order = await freshOrder('PO-E2E-CANCEL');
    const updated = (
      await stack.query<UpdateResult>(UPDATE, { input: { number: order.number, version: order.version, status: 'PENDING_APPROVAL' } })
    ).data!.updateOrder!.order;
    const cancel = 'mutation($input: CancelOrderInput!) { cancelOrder(input: $input) { number } }';
    const stale = await stack.query(cancel, { input: { number: order.number, version: order.version } });
    expect(stale.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT' });
    const done = await stack.query<{ cancelOrder: { number: string } }>(cancel, {
      input: { number: order.number, version: updated.version },
    });
    expect(done.errors).toBeUndefined();
    expect(done.data!.cancelOrder.number).toBe(order.number);
    expect(
      erp()
        .snapshot('SalesOrder')
        .some((record) => record.No === order.number),
    ).toBe(false);
    const again = await stack.query(cancel, { input: { number: order.number, version: updated.version } });
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });
  });
});
