import { setFlagsFromString } from 'node:v8';
import { InMemoryLRUCache } from '@apollo/utils.keyvaluecache';
import type { DocumentNode } from 'graphql';
import { z } from 'zod';
import { readEnv, type Env } from './config.js';

/**
 * How far V8 lets the heap grow past what survived the last full collection before it collects again
 * (HEAP_GROWTH_PERCENT; 0 leaves V8's own choice). V8 picks that factor from the machine's memory and its
 * allocation rate: on a machine with many GB free and a busy process it lets the heap reach three to four times
 * the live objects. The embedded stack keeps about 200 MB alive and allocates fast under load (every answer is
 * parsed, merged and serialized), so its heap swung between 200 and 700 MB and RSS followed to about 1 GB, most
 * of it garbage waiting (bench/reports/soak.md). At 50% the heap stays near 1.5 times what is alive, for more
 * frequent, shorter collections. The flag is read at every collection, so setting it at start is enough.
 */
export function applyHeapGrowth(source: Env = process.env): number {
  const { HEAP_GROWTH_PERCENT } = readEnv({ HEAP_GROWTH_PERCENT: z.coerce.number().int().min(0).max(1000).default(50) }, source);
  if (HEAP_GROWTH_PERCENT > 0) setFlagsFromString(`--heap-growing-percent=${HEAP_GROWTH_PERCENT}`);
  return HEAP_GROWTH_PERCENT;
}

/**
 * Apollo's caches of parsed documents (each server's document store) and of query plans size an entry by its
 * JSON; in the heap a parsed document weighs about four times that (its tokens and locations: 67 KB for
 * Customer360's 16 KB of JSON), and Apollo's default bound is 30 MiB of JSON per cache. Callers that send
 * literals inline rather than variables make every request a new document, and then each of the embedded
 * stack's seven servers filled its store towards ~120 MB (bench/reports/soak.md). Normal traffic repeats a few
 * hundred documents at most, so each cache is bounded by the heap it may take instead.
 */
const HEAP_BYTES_PER_JSON_BYTE = 4;

/** Apollo's `maxSize` (JSON bytes, as its size calculations count) for a cache that may take `heapMb` of heap. */
export function apolloCacheJsonBytes(heapMb: number): number {
  return Math.floor((heapMb * 2 ** 20) / HEAP_BYTES_PER_JSON_BYTE);
}

/** A server's store of parsed documents (Apollo Server's `documentStore`), bounded by the heap it may take. */
export function boundedDocumentStore(heapMb: number): InMemoryLRUCache<DocumentNode> {
  return new InMemoryLRUCache<DocumentNode>({ maxSize: apolloCacheJsonBytes(heapMb), sizeCalculation: InMemoryLRUCache.sizeCalculation });
}
