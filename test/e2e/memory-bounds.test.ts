import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { hashApiKey } from '../../gateway/clients.js';
import { startTestStack, type TestStack } from '../kit/stack.js';

const KEY = 'fe-memory-key-0123456789';
const LOG_LIMIT = 40;
let stack: TestStack;

beforeAll(async () => {
  const registry = join(mkdtempSync(join(tmpdir(), 'interchange-')), 'clients.json');
  writeFileSync(
    registry,
    JSON.stringify({ clients: [{ name: 'web', kind: 'frontend', keySha256: hashApiKey(KEY), rateLimitPerMinute: 100_000 }] }),
  );
  // The in-memory cache at its smallest bound (1 MB of text), so the answers and entities below reach it.
  stack = await startTestStack({ CLIENT_REGISTRY: registry, MEMORY_CACHE_MB: '1' });
  // A small log limit, so that a few hundred requests cross it.
  for (const emulator of Object.values(stack.emulators)) emulator.requests.limit = LOG_LIMIT;
});
afterAll(() => stack.close());

it('keeps every in-process store within its bound under many distinct requests', async () => {
  const ids = Array.from({ length: 300 }, (_, index) => String(1001 + index));
  const query = 'query($id: ID!) { customer(id: $id) { id jobTitle company { name } } }';
  for (let start = 0; start < ids.length; start += 10) {
    await Promise.all(
      ids.slice(start, start + 10).flatMap((id, offset) => [
        stack.query(query, { id }, { 'x-api-key': KEY }),
        // Repeats (hits) and anonymous callers in the mix; every tenth customer is also written, which purges.
        stack.query(query, { id }, { 'x-api-key': KEY }),
        stack.query(query, { id }),
        ...(offset === 0
          ? [
              stack.query(`mutation { updateCustomer(id: "${id}", input: { jobTitle: "Bounded" }) { id } }`, undefined, {
                'x-api-key': KEY,
              }),
            ]
          : []),
      ]),
    );
  }
  // Asked twice more one at a time: the second answer comes from the cache (the concurrent repeats above may
  // have been followers, and a write to a customer of the same company purged the first ones).
  for (const id of ids.slice(0, 10)) {
    await stack.query(query, { id }, { 'x-api-key': KEY });
    const again = await stack.query(query, { id }, { 'x-api-key': KEY });
    expect(again.headers.get('age'), id).not.toBeNull();
  }
  const sizes = stack.sizes();
  // The request logs were filled past their limit and trimmed back under it.
  for (const name of ['hubspotRequestLog', 'stripeRequestLog', 'erp-soapRequestLog'])
    expect(sizes[name], name).toBeLessThanOrEqual(LOG_LIMIT);
  expect(sizes.hubspotRequestLog).toBeGreaterThan(LOG_LIMIT / 2);
  // Nothing in flight is left behind: no shared answers waiting, no purge stamps without a request to stop.
  expect(sizes.responsesInFlight).toBe(0);
  expect(sizes.rememberedPurges).toBe(0);
  // The shared state's cache (answers, entities) holds text within its bound.
  expect(sizes.memoryCacheLimitChars).toBe(1024 * 1024);
  expect(sizes.memoryCacheChars).toBeGreaterThan(0);
  expect(sizes.memoryCacheChars).toBeLessThanOrEqual(sizes.memoryCacheLimitChars!);
  // Hits were served from encoded bodies, kept within their budget.
  expect(sizes.decodedResponseBytes).toBeGreaterThan(0);
  expect(sizes.decodedResponseBytes).toBeLessThanOrEqual(16 * 1024 * 1024);
}, 120_000);
