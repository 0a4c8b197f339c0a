import { InMemoryLRUCache } from '@apollo/utils.keyvaluecache';
import { parse } from 'graphql';
import { expect, it } from 'vitest';
import { apolloCacheJsonBytes, boundedDocumentStore } from '../../platform/index.js';

it('keeps a document store within the heap it is given, however many distinct documents arrive', async () => {
  const store = boundedDocumentStore(1);
  // Literals inline: every request a new document, as a client that does not use variables sends them.
  const texts = Array.from(
    { length: 2_000 },
    (_, index) => `query { customer(email: "person-${index}@example.test") { id name email company { id name } invoices { id total } } }`,
  );
  for (const [index, text] of texts.entries()) await store.set(`doc-${index}`, parse(text));

  const kept = store.keys();
  expect(kept.length).toBeGreaterThan(0);
  expect(kept.length).toBeLessThan(texts.length);
  // The newest documents are the ones kept.
  expect(await store.get(`doc-${texts.length - 1}`)).toBeDefined();
  expect(await store.get('doc-0')).toBeUndefined();
  let jsonBytes = 0;
  for (const key of kept) jsonBytes += InMemoryLRUCache.sizeCalculation((await store.get(key))!);
  expect(jsonBytes).toBeLessThanOrEqual(apolloCacheJsonBytes(1));
});
