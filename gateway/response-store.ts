import type { SharedState } from '../platform/index.js';

/**
 * Cached responses as the bytes that go on the wire, with the little that the headers need, indexed by the
 * entity tags the subgraphs reported so that purging a tag drops every response that showed the entity.
 *
 * Purges are exact: a response computed while one of its tags was purged is never stored (or is removed
 * right after storing, when the purge crossed the write). Each miss takes a ticket when it starts; a purge
 * stamps its tags with a new generation; storing compares the two, before and after writing.
 */

export type CacheScopeKind = 'PUBLIC' | 'PRIVATE';

/** A cached response: the body exactly as sent, when it was stored, its max-age and scope. */
export type StoredResponse = { body: string; storedAt: number; maxAge: number; scope: CacheScopeKind };

/** A cached response as a hit writes it: the body already encoded. */
export type CachedResponse = Omit<StoredResponse, 'body'> & { bytes: Buffer };

/** Held by a request computing a miss, from before its first subgraph call until it has stored (or not). */
export type Ticket = { readonly generation: number };

export type ResponseStore = {
  get(key: string): Promise<CachedResponse | undefined>;
  /** Starts a miss: purges from now on count against it. Every ticket must be ended. */
  begin(): Ticket;
  end(ticket: Ticket): void;
  /** Stores unless one of the tags was purged since the ticket was taken; resolves to whether it stayed stored. */
  store(ticket: Ticket, key: string, response: StoredResponse, tags: ReadonlySet<string>): Promise<boolean>;
  /** Deletes every response stored under these tags, and keeps responses being computed from being stored. */
  purge(tags: Iterable<string>): Promise<number>;
  /** How many tags are remembered for tickets still open (bounded by what is in flight; for tests). */
  readonly rememberedPurges: number;
  /** Bytes of encoded bodies this process keeps for hits (at most 16 MB; for tests). */
  readonly decodedBytes: number;
};

const tagSet = (tag: string) => `tags:${tag}`;

// One line of metadata, then the body: a hit parses a few bytes of JSON, never the body.
function encode(response: StoredResponse): string {
  return `${JSON.stringify({ storedAt: response.storedAt, maxAge: response.maxAge, scope: response.scope })}\n${response.body}`;
}

function decode(entry: string): CachedResponse | undefined {
  const newline = entry.indexOf('\n');
  if (newline < 0) return undefined;
  try {
    const meta = JSON.parse(entry.slice(0, newline)) as Omit<StoredResponse, 'body'>;
    return { ...meta, bytes: Buffer.from(entry.slice(newline + 1)) };
  } catch {
    return undefined;
  }
}

/** Encoded bodies kept by this process: up to this many bytes, most recently stored or read first. */
const DECODED_BYTES = 16 * 1024 * 1024;

export function createResponseStore(state: SharedState): ResponseStore {
  let generation = 0;
  /** The generation of each tag's latest purge, kept only while a ticket older than it is open. */
  const purgedAt = new Map<string, number>();
  const open = new Set<Ticket>();
  // Hot entries are hit thousands of times a second: encoding the body to bytes once, not per hit, is most of
  // what a hit costs. A memo entry is used only while the shared store still holds the very same entry.
  const decoded = new Map<string, { entry: string; response: CachedResponse }>();
  let decodedBytes = 0;
  const forget = (key: string) => {
    const memo = decoded.get(key);
    if (!memo) return;
    decoded.delete(key);
    decodedBytes -= memo.response.bytes.length;
  };

  const purgedSince = (ticket: Ticket, tags: ReadonlySet<string>) => {
    if (purgedAt.size === 0) return false;
    for (const tag of tags) if ((purgedAt.get(tag) ?? 0) > ticket.generation) return true;
    return false;
  };

  return {
    async get(key) {
      const entry = await state.cache.get(key);
      const memo = decoded.get(key);
      if (entry === undefined || (memo && memo.entry !== entry)) forget(key);
      if (entry === undefined) return undefined;
      if (memo && memo.entry === entry) return memo.response;
      const response = decode(entry);
      if (!response) return undefined;
      decoded.set(key, { entry, response });
      decodedBytes += response.bytes.length;
      // Oldest first: a Map iterates in insertion order.
      for (const [oldest] of decoded) {
        if (decodedBytes <= DECODED_BYTES) break;
        forget(oldest);
      }
      return response;
    },
    begin() {
      const ticket = { generation };
      open.add(ticket);
      return ticket;
    },
    end(ticket) {
      open.delete(ticket);
      // Stamps older than every open ticket can no longer stop anything.
      if (open.size === 0) purgedAt.clear();
      else if (purgedAt.size > 1024) {
        let oldest = Infinity;
        for (const each of open) oldest = Math.min(oldest, each.generation);
        for (const [tag, stamp] of purgedAt) if (stamp <= oldest) purgedAt.delete(tag);
      }
    },
    async store(ticket, key, response, tags) {
      if (purgedSince(ticket, tags)) return false;
      await state.cache.set(key, encode(response), { ttl: response.maxAge });
      await state.addToSets(
        [...tags].map((tag) => ({ set: tagSet(tag), member: key })),
        response.maxAge,
      );
      // A purge that ran between the check and the index update found no key to delete: delete it here.
      if (purgedSince(ticket, tags)) {
        await state.cache.delete(key);
        return false;
      }
      return true;
    },
    async purge(tags) {
      const unique = new Set(tags);
      if (open.size > 0) {
        generation += 1;
        for (const tag of unique) purgedAt.set(tag, generation);
      }
      let purged = 0;
      for (const tag of unique) {
        const keys = await state.takeSet(tagSet(tag));
        keys.forEach(forget);
        await Promise.all(keys.map((key) => state.cache.delete(key)));
        purged += keys.length;
      }
      return purged;
    },
    get rememberedPurges() {
      return purgedAt.size;
    },
    get decodedBytes() {
      return decodedBytes;
    },
  };
}
