import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLOORS, describeCall, describeWaves, toWaves, type VendorCall } from '../../bench/economy/critical-path.js';
import { loadEconomyOperations, writeFrontendRegistry } from '../../bench/economy/operations.js';
import { startTestStack, type TestStack } from '../kit/stack.js';

/**
 * The economy benchmark's operations, cold (caches and deduplication off), through the gateway: how many
 * sequential waves of vendor calls each takes, read from the emulators' request logs. A count, not a timing:
 * every vendor answers after an injected delay, so calls that wait for one another cannot overlap, while
 * calls of one wave start together, well inside that delay.
 */
const LATENCY_MS = 150;
const API_KEY = 'critical-path-key-0123456789';

/** Vendor calls per operation with batching on and nothing cached (bench/reports/economy.md, "cold"). */
const CALLS: Record<string, Record<string, number>> = {
  BillingReport: { hubspot: 1, stripe: 9, mixpanel: 0, 'erp-soap': 1 },
  Customer360: { hubspot: 3, stripe: 3, mixpanel: 1, 'erp-soap': 3 },
  Dashboard: { hubspot: 3, stripe: 3, mixpanel: 2, 'erp-soap': 1 },
};

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({
    CLIENT_REGISTRY: writeFrontendRegistry('critical-path', API_KEY),
    AUTHORIZATION: 'off',
    EMULATOR_RATE_LIMITS: 'false',
    MIXPANEL_MAX_WINDOW_DAYS: '36500',
    ENTITY_CACHE: 'false',
    RESPONSE_CACHE: 'false',
    GATEWAY_DEDUPE: 'false',
  });
  for (const emulator of Object.values(stack.emulators)) emulator?.faults.set([{ latencyMs: LATENCY_MS }]);
});
afterAll(() => stack?.close());

function vendorCalls(): VendorCall[] {
  return Object.entries(stack.emulators).flatMap(([vendor, emulator]) =>
    emulator ? emulator.requests.list().map((call) => ({ ...call, vendor })) : [],
  );
}

describe('the critical path of a cold request', () => {
  for (const operation of loadEconomyOperations()) {
    it(`${operation.name} runs its vendor calls in as few waves as its plan allows, with no more calls`, async () => {
      for (const emulator of Object.values(stack.emulators)) emulator?.requests.clear();
      const result = await stack.query(operation.query, operation.variables, { 'x-api-key': API_KEY });
      expect(result.errors).toBeUndefined();

      const calls = vendorCalls();
      const waves = toWaves(calls);
      const floor = FLOORS[operation.name]!;
      // The measured waves, named, so a failure says which call moved.
      expect({ waves: waves.length, path: describeWaves(waves) }).toMatchObject({ waves: floor.plan });
      expect(floor.plan).toBeGreaterThanOrEqual(floor.floor);
      const counts = Object.fromEntries(
        Object.keys(CALLS[operation.name]!).map((vendor) => [vendor, calls.filter((call) => call.vendor === vendor).length]),
      );
      expect(counts).toEqual(CALLS[operation.name]);
    });
  }

  it('starts the Customer360 fetches of ERP, Stripe, Mixpanel and the CRM relations together, once the contact has answered', async () => {
    const customer360 = loadEconomyOperations().find((operation) => operation.name === 'Customer360')!;
    for (const emulator of Object.values(stack.emulators)) emulator?.requests.clear();
    await stack.query(customer360.query, customer360.variables, { 'x-api-key': API_KEY });
    const waves = toWaves(vendorCalls());
    // Wave 1 is the contact alone; wave 2 the first call of every chain, in parallel: crm-relations' company read
    // beside ERP, Stripe and Mixpanel; wave 3 what needs wave 2's ids (the company's contacts, Stripe's customer
    // id, the order lines).
    expect({ waves: waves.length, path: describeWaves(waves) }).toMatchObject({ waves: 3 });
    expect(waves[0]!.map((call) => describeCall(call))).toEqual(['hubspot contacts read']);
    expect(new Set(waves[1]!.map((call) => call.vendor))).toEqual(new Set(['hubspot', 'erp-soap', 'stripe', 'mixpanel']));
    expect(waves[1]!.filter((call) => call.vendor === 'hubspot').map((call) => describeCall(call))).toEqual(['hubspot companies read']);
    expect(new Set(waves[2]!.map((call) => call.vendor))).toEqual(new Set(['hubspot', 'erp-soap', 'stripe']));
  });
});
