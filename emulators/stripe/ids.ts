import { createRandom } from '../shared/random.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Issues Stripe-looking ids (`cus_` + 14 base62 chars) from a seeded PRNG, so one seed always gives the same ids. */
export type IdGenerator = (prefix: string) => string;

/**
 * @param unique never hand out an id twice (object ids); false for ids nothing looks up again (request ids),
 * which then cost no memory: the set of issued ids would grow with every request.
 */
export function createIdGenerator(seed: number, unique = true): IdGenerator {
  const random = createRandom(seed);
  const issued = new Set<string>();
  return (prefix) => {
    for (;;) {
      let body = '';
      for (let i = 0; i < 14; i++) body += BASE62[Math.floor(random.next() * 62)];
      const id = `${prefix}_${body}`;
      if (!unique) return id;
      // 62^14 makes a repeat unlikely but not impossible with a 32-bit PRNG state; never hand one out twice.
      if (!issued.has(id)) {
        issued.add(id);
        return id;
      }
    }
  };
}
