/**
 * Workers as their own processes against PostgreSQL (PGlite is one process's database): killed mid-batch and
 * restarted, nothing is lost or applied twice; a dead event is redriven by the CLI.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signHubSpotPayload } from '../../subgraphs/crm/webhooks.js';
import { TEST_DATABASE_URL, postgresReachable } from '../kit/database.js';
import { startTestStack, type TestStack } from '../kit/stack.js';
import { printed, runScript, type ChildRun } from '../kit/worker-process.js';
import { hubspotPropertyChange } from '../kit/hubspot-webhooks.js';

const reachable = await postgresReachable();
const schema = `e2e_worker_${process.pid}_${Math.random().toString(36).slice(2, 6)}`;
const databaseEnv = { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema };
const workerEnv = {
  ...databaseEnv,
  EVENTS_JOB_TIMEOUT_SECONDS: '2',
  EVENTS_MAINTENANCE_SECONDS: '1',
  EVENTS_RETRY_LIMIT: '1',
  EVENTS_RETRY_DELAY_SECONDS: '1',
  EVENTS_RECONCILE_CRON: 'off',
};
let stack: TestStack;
let sql: pg.Client;
const workers: ChildRun[] = [];

beforeAll(async () => {
  if (!reachable) return;
  stack = await startTestStack({ EVENTS: 'true', EVENTS_IN_PROCESS_WORKERS: 'false', ...workerEnv });
  sql = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await sql.connect();
}, 120_000);

afterAll(async () => {
  for (const worker of workers) if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
  await stack?.close();
  if (sql) {
    await sql.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; DROP SCHEMA IF EXISTS ${schema}_jobs CASCADE`);
    await sql.end();
  }
});

async function postHubSpot(events: unknown[]): Promise<void> {
  const url = `${stack.gatewayUrl}/webhooks/hubspot`;
  const payload = JSON.stringify(events);
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signHubSpotPayload({ url, payload, secret: 'emulator-client-secret' }) },
    body: payload,
  });
  expect(response.status).toBe(200);
}

const event = (eventId: number, objectId: number, occurredAt: number) =>
  hubspotPropertyChange(eventId, objectId, 'jobtitle', `title ${eventId}`, occurredAt);

const count = async (where: string) => Number((await sql.query(`SELECT count(*) AS n FROM ${schema}.event_log WHERE ${where}`)).rows[0].n);

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(
        `timed out: ${JSON.stringify((await sql.query(`SELECT status, count(*) FROM ${schema}.event_log GROUP BY status`)).rows)}\n${workers.map((worker) => worker.output.join('')).join('\n---\n')}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.skipIf(!reachable)('event workers as processes', () => {
  it('loses nothing and applies nothing twice when a worker is SIGKILLed mid-batch and restarted', async () => {
    const total = 1500;
    const now = Date.now();
    for (let start = 0; start < total; start += 100) {
      await postHubSpot(Array.from({ length: 100 }, (_, index) => event(500_000 + start + index, 20_000 + start + index, now - 1000)));
    }
    expect(await count('true')).toBe(total);

    const first = runScript('launcher/main.ts', ['worker'], workerEnv);
    workers.push(first);
    await printed(first, /event worker on PostgreSQL/);
    await waitFor(async () => (await count(`status = 'applied'`)) >= 100, 60_000);
    first.child.kill('SIGKILL');
    await first.exited;
    const appliedAtKill = await count(`status = 'applied'`);
    expect(appliedAtKill).toBeLessThan(total);

    const second = runScript('launcher/main.ts', ['worker'], workerEnv);
    workers.push(second);
    await waitFor(async () => (await count(`status = 'applied'`)) === total, 90_000);
    expect(await count(`applications <> 1`)).toBe(0);
    second.child.kill('SIGTERM');
    await second.exited;
  }, 240_000);

  it('dead-letters an event whose apply keeps failing and applies it once the CLI redrives it', async () => {
    // A database fault on one entity: every apply of it fails until the trigger is dropped.
    await sql.query(
      `CREATE FUNCTION ${schema}.refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'entity locked by test'; END $$`,
    );
    await sql.query(
      `CREATE TRIGGER refuse BEFORE INSERT OR UPDATE ON ${schema}.entity_state FOR EACH ROW WHEN (NEW.entity = 'contact:4242:jobtitle') EXECUTE FUNCTION ${schema}.refuse()`,
    );
    const worker = runScript('launcher/main.ts', ['worker'], workerEnv);
    workers.push(worker);
    await printed(worker, /event worker on PostgreSQL/);
    await postHubSpot([event(900_001, 4242, Date.now())]);
    await waitFor(async () => (await count(`vendor_event_id = '900001' AND status = 'dead'`)) === 1, 30_000);
    const { rows } = await sql.query(`SELECT attempts, last_error FROM ${schema}.event_log WHERE vendor_event_id = '900001'`);
    expect(rows[0]).toEqual({ attempts: 2, last_error: 'entity locked by test' });

    await sql.query(`DROP TRIGGER refuse ON ${schema}.entity_state`);
    const cli = runScript('events/cli.ts', ['redrive', '--vendor', 'hubspot'], databaseEnv);
    expect(await cli.exited).toBe(0);
    expect(cli.output.join('')).toMatch(/redrive: 1 event\(s\) enqueued/);
    await waitFor(async () => (await count(`vendor_event_id = '900001' AND status = 'applied'`)) === 1, 30_000);
    worker.child.kill('SIGTERM');
    await worker.exited;
  }, 120_000);
});
