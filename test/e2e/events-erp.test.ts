/**
 * The ERP's change feed end to end: NAV has no webhooks, so a customer changed directly at the ERP emulator over
 * SOAP reaches the gateway only through the poller (ReadMultiple on Last_Modified_Date_Time), the event log and
 * the purge. Caches on, an API key with PRIVATE caching.
 */
import type { Client } from 'soap';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL, dropTestSchema, postgresReachable } from '../kit/database.js';
import { webClientRegistry } from '../kit/clients.js';
import { startTestStack, type TestStack } from '../kit/stack.js';
import { eventually } from '../kit/eventually.js';
import { call, pageClient } from '../emulators/erp-soap/testkit.js';

const KEY = 'erp-events-test-key-0123456789';
const ADMIN_TOKEN = 'admin-token-0123456789abcdef';
const asWeb = { 'x-api-key': KEY };
const schema = `e2e_erp_events_${process.pid}_${Math.random().toString(36).slice(2, 6)}`;
let stack: TestStack;
let customers: Client;
let usesPostgres = false;

beforeAll(async () => {
  const registry = webClientRegistry(KEY);
  usesPostgres = await postgresReachable();
  stack = await startTestStack({
    CLIENT_REGISTRY: registry,
    EVENTS: 'true',
    ADMIN_TOKEN,
    EVENTS_RECONCILE_CRON: 'off',
    ERP_POLL_INTERVAL_MS: '500',
    ...(usesPostgres ? { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema } : {}),
  });
  customers = await pageClient(stack.emulators['erp-soap']!, 'Customer');
}, 120_000);

afterAll(async () => {
  await stack?.close();
  if (usesPostgres) {
    await dropTestSchema(schema);
  }
});

type Logged = { id: number; vendorEventId: string; status: string; applications: number };
const erpEvents = async (): Promise<Logged[]> => {
  const response = await fetch(`${stack.gatewayUrl}/internal/events?vendor=erp&limit=1000`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  return ((await response.json()) as { events: Logged[] }).events;
};

/** Changes a customer's fields over SOAP (Read for the Key, then Update), as a NAV user would. */
async function updateCustomer(no: string, fields: Record<string, string>): Promise<Record<string, string>> {
  const current = (await call(customers, 'Read', { No: no }))!.Customer as Record<string, string>;
  return (await call(customers, 'Update', { Customer: { Key: current.Key, ...fields } }))!.Customer as Record<string, string>;
}

describe('ERP changes reach the gateway by polling, caches on', () => {
  it('shows a customer renamed directly at the ERP over SOAP within 5 s', async () => {
    const erp = stack.emulators['erp-soap']!;
    const hubspot = stack.emulators.hubspot!;
    // A CRM contact whose ERP customer has orders: the order's customerName is the ERP customer's Name.
    const orders = erp.snapshot('SalesOrder');
    const contact = [...hubspot.store.all('contacts')].find((candidate) =>
      orders.some((order) => order.Sell_to_Customer_No === candidate.properties.erp_customer_no),
    )!;
    const erpNo = contact.properties.erp_customer_no!;
    const query = 'query($id: ID!) { customer(id: $id) { id erpCustomerNumber orders(first: 20) { nodes { number customerName } } } }';
    type Result = { customer: { orders: { nodes: Array<{ customerName: string }> } } };
    const before = await stack.query<Result>(query, { id: contact.id }, asWeb);
    expect(before.errors).toBeUndefined();
    expect(before.data!.customer.orders.nodes.length).toBeGreaterThan(0);
    expect((await stack.query(query, { id: contact.id }, asWeb)).headers.get('age')).toMatch(/^\d+$/);

    await updateCustomer(erpNo, { Name: 'Renamed In The ERP' });
    const changedAt = Date.now();
    const after = await eventually(
      () => stack.query<Result>(query, { id: contact.id }, asWeb),
      (result) => result.data?.customer.orders.nodes.every((order) => order.customerName === 'Renamed In The ERP') === true,
    );
    expect(after.data!.customer.orders.nodes.map((order) => order.customerName)).toEqual(
      before.data!.customer.orders.nodes.map(() => 'Renamed In The ERP'),
    );
    expect(Date.now() - changedAt).toBeLessThan(5000);
  });

  it('reads two changes stamped in the same second both, and neither twice', async () => {
    // The emulator stamps whole seconds; try again in the rare case the two writes straddle a second.
    let first: Record<string, string> = {};
    let second: Record<string, string> = {};
    for (let attempt = 0; attempt < 5; attempt++) {
      first = await updateCustomer('C00005', { City: `Same-Second-A${attempt}` });
      second = await updateCustomer('C00006', { City: `Same-Second-B${attempt}` });
      if (first.Last_Modified_Date_Time === second.Last_Modified_Date_Time) break;
    }
    expect(first.Last_Modified_Date_Time).toBe(second.Last_Modified_Date_Time);
    const stamp = first.Last_Modified_Date_Time!;
    const ours = (events: Logged[]) =>
      events.filter((event) => event.vendorEventId.startsWith('Customer:C00005:') || event.vendorEventId.startsWith('Customer:C00006:'));
    const logged = await eventually(
      erpEvents,
      (events) => ours(events).filter((event) => event.vendorEventId.includes(stamp) && event.status === 'applied').length >= 2,
    );
    const atStamp = ours(logged).filter((event) => event.vendorEventId.includes(stamp));
    expect(atStamp.map((event) => event.vendorEventId.split(':')[1]).sort()).toEqual(['C00005', 'C00006']);
    expect(atStamp.every((event) => event.status === 'applied' && event.applications === 1)).toBe(true);

    // Three more polls later, still one row each, applied once.
    const erp = stack.emulators['erp-soap']!;
    const calls = erp.soapCalls('Customer');
    await eventually(
      async () => erp.soapCalls('Customer'),
      (count) => count >= calls + 3,
    );
    const later = ours(await erpEvents()).filter((event) => event.vendorEventId.includes(stamp));
    expect(later).toHaveLength(2);
    expect(later.every((event) => event.applications === 1)).toBe(true);
  });
});
