import { setFlagsFromString } from 'node:v8';
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
