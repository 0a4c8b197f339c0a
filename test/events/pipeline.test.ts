import { afterAll, describe, expect, it } from 'vitest';
import { createEventPipeline, type EventPipeline } from '../../events/index.js';
import { PURGE_CHANNEL, createLogger, createMemoryState, decodePurge, SignatureError, type WebhookRequest } from '../../platform/index.js';
import { createStripeAdapter, signStripePayload } from '../../subgraphs/payments/webhooks.js';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../kit/database.js';

const SECRET = 'whsec_test_pipeline';
const log = createLogger({ name: 'test', level: 'silent' });

function customerEvent(id: string, created: number, name: string, email = 'ada@example.com') {
  return {
    id,
    object: 'event',
    type: 'customer.updated',
    created,
    data: { object: { id: 'cus_1', object: 'customer', email, name }, previous_attributes: { name: 'old' } },
  };
}

function delivery(event: unknown, options: { secret?: string; timestamp?: number } = {}): WebhookRequest {
  const payload = JSON.stringify(event);
  return {
    method: 'POST',
    url: 'http://127.0.0.1/webhooks/stripe',
    headers: { 'stripe-signature': signStripePayload({ payload, secret: options.secret ?? SECRET, timestamp: options.timestamp }) },
    rawBody: Buffer.from(payload),
  };
}

async function until<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const kinds = await databaseKinds();

describe.each(kinds)('event pipeline on %s', (kind) => {
  let database: TestDatabase;
  let pipeline: EventPipeline;
  const purged: string[][] = [];
  let failing = false;

  afterAll(async () => {
    await pipeline?.close();
    await database?.drop();
  });

  it('starts: migrations and the job engine on this database', async () => {
    database = await openTestDatabase(kind);
    const state = createMemoryState();
    await state.subscribe(PURGE_CHANNEL, (message) => purged.push(decodePurge(message)));
    pipeline = await createEventPipeline({
      db: database.db,
      state,
      log,
      adapters: [createStripeAdapter({ webhookSecrets: ['whsec_old', SECRET] })],
      hooks: {
        onChange: ({ change }) => {
          if (failing && change.fields.name === 'boom') throw new Error('downstream refused');
        },
      },
      retryLimit: 1,
      retryDelaySeconds: 1,
    });
    await pipeline.startWorkers({ reconcileCron: null, reconcileAtStart: false });
    // pg-boss creating its schema in PGlite takes most of a minute on a loaded machine.
  }, 120_000);

  it('appends a verified delivery, acknowledges, applies it and purges its tags', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect(await pipeline.ingest('stripe', delivery(customerEvent('evt_1', now - 10, 'Ada')))).toEqual({ accepted: 1, duplicates: 0 });
    await until(async () => ((await pipeline.counts()).applied === 1 ? true : undefined));
    expect(purged).toContainEqual(['Customer:ada@example.com']);
  });

  it('acknowledges a duplicate delivery without applying it again', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect(await pipeline.ingest('stripe', delivery(customerEvent('evt_1', now - 10, 'Ada')))).toEqual({ accepted: 0, duplicates: 1 });
    const { rows } = await database.db.query<{ applications: number }>(
      `SELECT applications FROM event_log WHERE vendor_event_id = 'evt_1'`,
    );
    expect(rows).toEqual([{ applications: 1 }]);
  });

  it('records an event older than the applied one as stale and keeps the newer state', async () => {
    const now = Math.floor(Date.now() / 1000);
    await pipeline.ingest('stripe', delivery(customerEvent('evt_new', now - 5, 'Newest')));
    await until(async () => ((await pipeline.counts()).applied === 2 ? true : undefined));
    await pipeline.ingest('stripe', delivery(customerEvent('evt_old', now - 8, 'Older')));
    await until(async () => ((await pipeline.counts()).stale === 1 ? true : undefined));
    const { rows } = await database.db.query<{ state: { name: string } }>(`SELECT state FROM entity_state WHERE entity = 'customer:cus_1'`);
    expect(rows[0]!.state.name).toBe('Newest');
  });

  it('refuses a forged or stale signature and stores nothing', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expect(
      pipeline.ingest('stripe', delivery(customerEvent('evt_forged', now, 'Mallory'), { secret: 'whsec_wrong' })),
    ).rejects.toThrow(SignatureError);
    await expect(
      pipeline.ingest('stripe', delivery(customerEvent('evt_replayed', now, 'Mallory'), { timestamp: now - 301 })),
    ).rejects.toThrow(/tolerance/);
    const { rows } = await database.db.query(`SELECT 1 FROM event_log WHERE vendor_event_id IN ('evt_forged', 'evt_replayed')`);
    expect(rows).toEqual([]);
    expect(pipeline.rejections.stripe).toEqual({ mismatch: 1, stale: 1 });
  });

  it('dead-letters an event whose apply keeps failing, with its last error, and redrives it', async () => {
    failing = true;
    const now = Math.floor(Date.now() / 1000);
    await pipeline.ingest('stripe', delivery(customerEvent('evt_boom', now - 1, 'boom')));
    const dead = await until(async () => {
      const { rows } = await database.db.query<{ status: string; attempts: number; last_error: string }>(
        `SELECT status, attempts, last_error FROM event_log WHERE vendor_event_id = 'evt_boom'`,
      );
      return rows[0]?.status === 'dead' ? rows[0] : undefined;
    }, 20_000);
    expect(dead).toEqual({ status: 'dead', attempts: 2, last_error: 'downstream refused' });
    failing = false;
    expect(await pipeline.redrive()).toBe(1);
    await until(async () => {
      const { rows } = await database.db.query<{ status: string }>(`SELECT status FROM event_log WHERE vendor_event_id = 'evt_boom'`);
      return rows[0]?.status === 'applied' ? true : undefined;
    });
  });
});
