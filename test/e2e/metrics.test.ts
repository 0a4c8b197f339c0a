import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../gateway/clients.js';
import { seedPeople } from '../../emulators/shared/people.js';
import { increments, readMetrics, type Samples } from '../kit/metrics.js';
import { startTestStack, type TestStack } from '../kit/stack.js';

const ADMIN_TOKEN = 'admin-token-0123456789abcdef';
const API_KEY = 'fe-metrics-key-0123456789';
/** Billing is PRIVATE: cached per API client, so the caller is a declared one. */
const asWeb = { 'x-api-key': API_KEY };
const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
/** A person the CRM and Stripe both know. */
const person = seedPeople().find((p) => p.inStripe)!;
const BILLING =
  'query Billing($email: EmailAddress!) { customerByEmail(email: $email) { email company { name } billing { balance { formatted } } } }';

let stack: TestStack;
const metricsOf = (part: 'gateway' | 'crm' | 'payments'): Promise<Samples> =>
  readMetrics(part === 'gateway' ? `${stack.gatewayUrl}/metrics` : new URL('/metrics', stack.subgraphUrls[part]).toString(), auth);

beforeAll(async () => {
  const registry = join(mkdtempSync(join(tmpdir(), 'interchange-')), 'clients.json');
  writeFileSync(
    registry,
    JSON.stringify({ clients: [{ name: 'web', kind: 'frontend', keySha256: hashApiKey(API_KEY), rateLimitPerMinute: 10_000 }] }),
  );
  stack = await startTestStack({ ADMIN_TOKEN, CLIENT_REGISTRY: registry });
});
afterAll(() => stack.close());

describe('GET /metrics', () => {
  it('is refused without the admin token, on the gateway and on every subgraph', async () => {
    expect((await fetch(`${stack.gatewayUrl}/metrics`)).status).toBe(401);
    for (const url of Object.values(stack.subgraphUrls)) expect((await fetch(new URL('/metrics', url))).status).toBe(401);
    expect((await fetch(`${stack.gatewayUrl}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789ab' } })).status).toBe(
      401,
    );
  });

  it('counts exactly one request, its response cache miss, its vendor calls and entity cache misses; a repeat is a hit and calls nothing', async () => {
    const before = { gateway: await metricsOf('gateway'), crm: await metricsOf('crm'), payments: await metricsOf('payments') };
    const hubspotBefore = stack.emulators.hubspot!.requests.count();
    const stripeBefore = stack.emulators.stripe!.requests.count();

    const result = await stack.query(BILLING, { email: person.email }, asWeb);
    expect(result.errors).toBeUndefined();
    expect(result.data).toMatchObject({ customerByEmail: { email: person.email } });

    const after = { gateway: await metricsOf('gateway'), crm: await metricsOf('crm'), payments: await metricsOf('payments') };
    expect(increments(before.gateway, after.gateway, 'interchange_graphql_requests_total')).toEqual({
      '{client="web",operation="Billing",outcome="ok"}': 1,
    });
    expect(increments(before.gateway, after.gateway, 'interchange_graphql_request_duration_seconds_count')).toEqual({
      '{operation="Billing"}': 1,
    });
    expect(increments(before.gateway, after.gateway, 'interchange_cache_lookups_total')).toEqual({ '{cache="response",result="miss"}': 1 });
    expect(increments(before.gateway, after.gateway, 'interchange_subgraph_fetches_total')).toEqual({
      '{outcome="ok",subgraph="crm"}': 1,
      // The company: crm-relations, served by the crm part over its client (its metrics are the crm part's).
      '{outcome="ok",subgraph="crm-relations"}': 1,
      '{outcome="ok",subgraph="payments"}': 1,
    });

    // HubSpot: the contact by email with its associations inline, then its company by id in crm-relations
    // (through the entity cache, a miss; counted by the crm part, whose client it is): two single-object reads.
    expect(increments(before.crm, after.crm, 'interchange_vendor_requests_total')).toEqual({
      '{endpoint="read",status="ok",vendor="hubspot"}': 2,
    });
    expect(increments(before.crm, after.crm, 'interchange_vendor_calls_total')).toEqual({
      '{endpoint="read",result="ok",vendor="hubspot"}': 2,
    });
    expect(increments(before.crm, after.crm, 'interchange_cache_lookups_total')).toEqual({ '{cache="entity",result="miss"}': 1 });
    expect(increments(before.crm, after.crm, 'interchange_vendor_retries_total')).toEqual({});
    // Stripe: one customer search for the email.
    expect(increments(before.payments, after.payments, 'interchange_vendor_requests_total')).toEqual({
      '{endpoint="searchCustomers",status="ok",vendor="stripe"}': 1,
    });
    // The metrics agree with what the vendors received.
    expect(stack.emulators.hubspot!.requests.count() - hubspotBefore).toBe(2);
    expect(stack.emulators.stripe!.requests.count() - stripeBefore).toBe(1);

    const repeat = await stack.query(BILLING, { email: person.email }, asWeb);
    expect(repeat.headers.get('age')).not.toBeNull();
    const third = { gateway: await metricsOf('gateway'), crm: await metricsOf('crm') };
    expect(increments(after.gateway, third.gateway, 'interchange_cache_lookups_total')).toEqual({ '{cache="response",result="hit"}': 1 });
    expect(increments(after.crm, third.crm, 'interchange_vendor_requests_total')).toEqual({});
  });

  it('reports breaker state, bulkhead and quota per vendor', async () => {
    const crm = await metricsOf('crm');
    expect(crm.get('interchange_vendor_breaker_state{state="closed",vendor="hubspot"}')).toBe(1);
    expect(crm.get('interchange_vendor_breaker_state{state="open",vendor="hubspot"}')).toBe(0);
    expect(crm.get('interchange_vendor_bulkhead_in_flight{vendor="hubspot"}')).toBe(0);
    expect(crm.get('interchange_vendor_quota_remaining{bucket="search",vendor="hubspot"}')).toBeGreaterThan(0);
    // Process metrics are in the gateway's registry only (one process), never duplicated per subgraph.
    expect([...(await metricsOf('gateway')).keys()].some((key) => key.startsWith('process_cpu_seconds_total'))).toBe(true);
    expect([...crm.keys()].some((key) => key.startsWith('process_cpu_seconds_total'))).toBe(false);
  });
});
