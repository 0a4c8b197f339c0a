/**
 * A saga interrupted by SIGKILL: the whole stack (`npm start`, every part on a free port) runs as a child process
 * over PostgreSQL, against vendor emulators that live in this test process (so they survive the kill, as real
 * vendors would). The process is killed while the onboarding waits on the ERP; a new process on the same database
 * takes the saga over once its lease runs out and finishes it: exactly one contact, one Stripe customer and one
 * ERP customer, linked. PGlite is one process's database, so this runs on PostgreSQL only.
 */
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@hubspot/api-client';
import { createErpSoapEmulator, DEFAULT_ERP_USER, type ErpSoapEmulator } from '../../emulators/erp-soap/index.js';
import { createHubSpotEmulator, type HubSpotEmulator } from '../../emulators/hubspot/index.js';
import { createStripeEmulator, type StripeEmulator } from '../../emulators/stripe/index.js';
import { loadDevKeys, mintDevToken } from '../../gateway/dev-issuer.js';
import { TEST_DATABASE_URL, postgresReachable } from '../kit/database.js';
import { printed, runScript, type ChildRun } from '../kit/worker-process.js';
import { call, pageClient } from '../emulators/erp-soap/testkit.js';

const reachable = await postgresReachable();
const schema = `e2e_saga_kill_${process.pid}_${Math.random().toString(36).slice(2, 6)}`;
const keyFile = join(tmpdir(), `interchange-dev-issuer-${randomUUID()}.json`);
let hubspotEmulator: HubSpotEmulator;
let stripeEmulator: StripeEmulator;
let erpEmulator: ErpSoapEmulator;
let sql: pg.Client;
const children: ChildRun[] = [];

beforeAll(async () => {
  if (!reachable) return;
  hubspotEmulator = createHubSpotEmulator({ searchLagMs: 0 });
  stripeEmulator = createStripeEmulator({ searchLagMs: 0 });
  erpEmulator = createErpSoapEmulator();
  await Promise.all([hubspotEmulator.listen(0), stripeEmulator.listen(0), erpEmulator.listen(0)]);
  await erpEmulator.ready;
  sql = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await sql.connect();
}, 60_000);

afterAll(async () => {
  for (const child of children) if (child.child.exitCode === null && child.child.signalCode === null) child.child.kill('SIGKILL');
  await Promise.all([hubspotEmulator?.close(), stripeEmulator?.close(), erpEmulator?.close()]);
  if (sql) {
    await sql.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; DROP SCHEMA IF EXISTS ${schema}_jobs CASCADE`);
    await sql.end();
  }
});

/** `npm start` as a child process over the emulators above and the test database; resolves with its gateway URL. */
async function startChild(): Promise<{ run: ChildRun; gatewayUrl: string }> {
  const run = runScript('launcher/main.ts', [], {
    STACK_PORTS: 'ephemeral',
    DATABASE_URL: TEST_DATABASE_URL,
    DATABASE_SCHEMA: schema,
    DEV_ISSUER_KEY_FILE: keyFile,
    AUTHORIZATION: 'filter',
    EVENTS_RECONCILE_CRON: 'off',
    SYNC: 'false',
    HUBSPOT_BASE_URL: hubspotEmulator.url,
    HUBSPOT_ACCESS_TOKEN: 'pat-emulator',
    STRIPE_BASE_URL: stripeEmulator.url,
    STRIPE_SECRET_KEY: 'sk_test_emulator',
    ERP_BASE_URL: erpEmulator.url,
    ERP_USERNAME: DEFAULT_ERP_USER.username,
    ERP_PASSWORD: DEFAULT_ERP_USER.password,
    // A killed process's saga is taken over 2 s after its last sign of life; recovery looks every second.
    SAGA_LEASE_SECONDS: '2',
    SAGA_RECOVERY_SECONDS: '1',
    COST_MAX_PER_REQUEST: '100000000',
    COST_BUDGET_ANONYMOUS_PER_MINUTE: '1000000000',
    COST_BUDGET_PER_MINUTE: '1000000000',
  });
  children.push(run);
  await printed(run, /Interchange gateway: http:\/\/[\d.:]+\/graphql/, 90_000);
  const gatewayUrl = /Interchange gateway: (http:\/\/[\d.:]+)\/graphql/.exec(run.output.join(''))![1]!;
  return { run, gatewayUrl };
}

async function waitFor<T>(read: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}:\n${children.map((child) => child.output.join('')).join('\n---\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const ONBOARD = `mutation Onboard($input: OnboardCustomerInput!, $key: String!) {
  onboardCustomer(input: $input, idempotencyKey: $key) { customer { id } stripeCustomerId erpCustomerNumber replayed saga { status steps { name attempts } } }
}`;

describe.skipIf(!reachable)('a saga interrupted by SIGKILL', () => {
  it('is finished by the next process: one contact, one Stripe customer, one ERP customer, linked', async () => {
    const first = await startChild();
    const token = await mintDevToken(await loadDevKeys(keyFile), {
      sub: 'ops',
      scope: 'crm:read customers:write billing:read billing:write',
    });
    const email = `killed-${randomUUID().slice(0, 8)}@example.com`;
    const key = randomUUID();
    // Keys are held per caller: the saga row keeps the caller with the key.
    const storedKey = `user:ops ${key}`;
    const send = (gatewayUrl: string) =>
      fetch(`${gatewayUrl}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: ONBOARD, variables: { input: { email, firstName: 'Kill', lastName: 'Nine', city: 'Bonn' }, key } }),
      });

    // The ERP holds its first Customer request for a while: the saga is then mid-way, HubSpot and Stripe done.
    erpEmulator.faults.set([{ route: 'POST /WS/*/Page/Customer', latencyMs: 5000, times: 1 }]);
    const cutOff = send(first.gatewayUrl).catch((error: unknown) => error);
    await waitFor(async () => {
      const { rows } = await sql
        .query(`SELECT 1 FROM ${schema}.saga_steps WHERE name = 'erp' AND status = 'started'`)
        .catch(() => ({ rows: [] as unknown[] }));
      return rows.length > 0 ? true : undefined;
    }, 'the saga to reach the ERP step');
    first.run.child.kill('SIGKILL');
    await first.run.exited;
    expect(await cutOff).toBeInstanceOf(Error);
    erpEmulator.faults.clear();
    const { rows: before } = await sql.query(`SELECT status FROM ${schema}.sagas WHERE idempotency_key = $1`, [storedKey]);
    expect(before).toEqual([{ status: 'running' }]);

    const second = await startChild();
    const status = await waitFor(async () => {
      const { rows } = await sql.query(`SELECT status FROM ${schema}.sagas WHERE idempotency_key = $1`, [storedKey]);
      const current = rows[0]?.status as string | undefined;
      return current === 'completed' || current === 'failed' ? current : undefined;
    }, 'the saga to finish in the second process');
    expect(status).toBe('completed');

    // The caller sends its key again and gets the outcome; the ERP step ran twice, once cut off.
    const answer = (await (await send(second.gatewayUrl)).json()) as {
      data: {
        onboardCustomer: {
          customer: { id: string };
          stripeCustomerId: string;
          erpCustomerNumber: string;
          replayed: boolean;
          saga: { steps: Array<{ name: string; attempts: number }> };
        };
      };
    };
    const payload = answer.data.onboardCustomer;
    expect(payload.replayed).toBe(true);
    expect(payload.saga.steps.find((step) => step.name === 'erp')!.attempts).toBe(2);

    // Nothing half-created, nothing twice: checked at the vendors with their SDKs and SOAP.
    const hubspot = new Client({ accessToken: 'pat-emulator', basePath: hubspotEmulator.url });
    const contacts = await hubspot.crm.contacts.searchApi.doSearch({
      filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ' as never, value: email }] }],
      properties: ['email', 'erp_customer_no'],
      limit: 10,
      after: undefined as never,
      sorts: [],
    });
    expect(contacts.results.map((contact) => [contact.id, contact.properties.erp_customer_no])).toEqual([
      [payload.customer.id, payload.erpCustomerNumber],
    ]);
    const stripe = new Stripe('sk_test_emulator', {
      host: '127.0.0.1',
      port: Number(new URL(stripeEmulator.url).port),
      protocol: 'http',
      telemetry: false,
    });
    const customers = (await stripe.customers.list({ email, limit: 10 })).data;
    expect(customers.map((customer) => [customer.id, customer.metadata.hubspot_contact_id])).toEqual([
      [payload.stripeCustomerId, payload.customer.id],
    ]);
    const erp = await pageClient(erpEmulator, 'Customer');
    const found = await call(erp, 'ReadMultiple', { filter: [{ Field: 'E_Mail', Criteria: email }], setSize: '10' });
    const records = [(found?.ReadMultiple_Result as { Customer?: unknown } | undefined)?.Customer].flat().filter(Boolean);
    expect(records.map((record) => (record as { No: string }).No)).toEqual([payload.erpCustomerNumber]);

    second.run.child.kill('SIGTERM');
    await second.run.exited;
  }, 240_000);
});
