import type { ApolloServerPlugin, GraphQLRequestContextWillSendResponse } from '@apollo/server';
import type { Request, Response } from 'express';
import type { FormattedExecutionResult } from 'graphql';
import type { Logger, SharedState } from '../platform/index.js';
import type { PipelineStep } from './pipeline.js';
import type { GatewayContext } from './context.js';
import { cacheScope, responseKeys, type ResponseKeys } from './response-key.js';
import { createResponseStore, type ResponseStore, type StoredResponse, type Ticket } from './response-store.js';

/**
 * The gateway's response cache: whole query responses, stored as the bytes that were sent, keyed by document,
 * operation name, variables and scope (PUBLIC, or PRIVATE per user, else per API client: see cacheScope), kept as long as the subgraphs'
 * cache hints allow. Two halves:
 *
 * - `serveHits`, the request pipeline's last step, after everything a hit must still honour (caller, limits,
 *   persisted documents, cost budget, authorization): a hit is written out from the stored bytes without entering Apollo's pipeline; a request
 *   identical to one in flight waits for the leader's bytes. Anything else goes on to Apollo.
 * - `plugin`, inside Apollo: stores a cacheable answer once (serialized once, shared with the followers);
 *   a mutation purges the tags of the entities it returned before its response leaves.
 */

export type ResponseCacheOptions = {
  state: SharedState;
  log: Logger;
  /** Serve and store cached responses; default true. */
  cache?: boolean;
  /** Execute identical concurrent queries once; default true. */
  dedupe?: boolean;
  /** Milliseconds since the epoch; default Date.now (tests pass a clock). */
  now?: () => number;
};

/** What the leader of identical in-flight requests hands its followers: exactly what it sent. */
type Shared = { status: number; cacheControl: string; body: string };

/** Left on the request's pipeline state (→ GatewayContext) by `serveHits` for the plugin. */
export type PendingResponse = {
  keys: ResponseKeys;
  ticket: Ticket;
  leader?: { resolve(shared: Shared): void; reject(error: Error): void };
};

export type ResponseCache = {
  /** Pipeline step: writes hits and followers' shared bytes, passes everything else on. */
  serveHits: PipelineStep;
  /** Apollo Server plugin: stores answers, hands them to followers, purges after mutations. */
  plugin: ApolloServerPlugin<GatewayContext>;
  /** Deletes every cached response under these tags; resolves to how many there were. */
  purge(tags: Iterable<string>): Promise<number>;
  /** Sizes of the in-process bookkeeping (for the bounded-memory test). */
  sizes(): { responsesInFlight: number; rememberedPurges: number; decodedResponseBytes: number };
};

const MEDIA_TYPES = ['application/json', 'application/graphql-response+json'];

/** Apollo Server's own serialization of a single result (field order errors, data, extensions; newline). */
function serialize(result: FormattedExecutionResult): string {
  return `${JSON.stringify({ errors: result.errors, data: result.data, extensions: result.extensions })}\n`;
}

/** The body in the media type the caller accepts, or false when it accepts neither (Apollo answers that: 406). */
function write(req: Request, res: Response, status: number, headers: Record<string, string>, body: string | Buffer): boolean {
  const mediaType = req.accepts(MEDIA_TYPES);
  if (!mediaType) return false;
  res.writeHead(status, { ...headers, 'content-type': `${mediaType}; charset=utf-8`, 'content-length': Buffer.byteLength(body) });
  res.end(body);
  return true;
}

export function createResponseCache(options: ResponseCacheOptions): ResponseCache {
  const { log } = options;
  const caching = options.cache !== false;
  const deduping = options.dedupe !== false;
  const now = options.now ?? Date.now;
  const store: ResponseStore = createResponseStore(options.state);
  /** Responses being computed, by flight key: followers wait for the leader's bytes. */
  const inFlight = new Map<string, Promise<Shared>>();

  const serveHits: PipelineStep = {
    name: 'response-cache',
    run: async ({ req, res, state }) => {
      // Asking for extensions.cost is asking how much this execution costs: it runs, and its answer is not stored.
      if (state.cost?.requested) return;
      // The body as the earlier steps left it (a manifest id resolved, unauthorized fields removed).
      const keys = responseKeys(state.body, cacheScope(state));
      if (!keys) return;
      if (caching) {
        for (const key of keys.privateKey ? [keys.privateKey, keys.publicKey] : [keys.publicKey]) {
          const hit = await store.get(key);
          if (!hit) continue;
          // RFC 9111: max-age stays as stored, Age says how much of it is used.
          const age = Math.max(0, Math.floor((now() - hit.storedAt) / 1000));
          if (write(req, res, 200, { 'cache-control': `max-age=${hit.maxAge}, ${hit.scope.toLowerCase()}`, age: String(age) }, hit.bytes))
            return 'answered';
          return;
        }
      }
      if (deduping && keys.readOnly) {
        const leader = inFlight.get(keys.flightKey);
        if (leader) {
          try {
            const shared = await leader;
            if (write(req, res, shared.status, { 'cache-control': shared.cacheControl }, shared.body)) return 'answered';
          } catch {
            // The leader had nothing to share (it failed before answering): compute our own.
          }
          return;
        }
      }
      const pending: PendingResponse = { keys, ticket: store.begin() };
      if (deduping && keys.readOnly) {
        let resolve!: (shared: Shared) => void;
        let reject!: (error: Error) => void;
        const promise = new Promise<Shared>((done, fail) => {
          resolve = done;
          reject = fail;
        });
        // A leader that fails before answering must not leave an unhandled rejection behind.
        promise.catch(() => {});
        inFlight.set(keys.flightKey, promise);
        pending.leader = {
          resolve: (shared) => {
            if (inFlight.get(keys.flightKey) === promise) inFlight.delete(keys.flightKey);
            resolve(shared);
          },
          reject: (error) => {
            if (inFlight.get(keys.flightKey) === promise) inFlight.delete(keys.flightKey);
            reject(error);
          },
        };
      }
      // Whatever happens inside (Apollo's own HTTP errors skip the plugin), the ticket ends and followers go on.
      res.once('close', () => {
        store.end(pending.ticket);
        pending.leader?.reject(new Error('the leader ended without a shareable answer'));
      });
      state.responseCache = pending;
    },
  };

  async function willSendResponse(pending: PendingResponse | undefined, context: GraphQLRequestContextWillSendResponse<GatewayContext>) {
    const { response, operation, overallCachePolicy, contextValue } = context;
    const result = response.body.kind === 'single' ? response.body.singleResult : undefined;
    if (operation?.operation === 'mutation' && contextValue.entityTags.size > 0) {
      // Before the mutation's answer leaves, so the caller's next read cannot be a stale hit.
      await store.purge(contextValue.entityTags);
    }
    if (!pending) return;
    if (!result) return pending.leader?.reject(new Error('incremental responses are not shared'));
    const policy = overallCachePolicy.policyIfCacheable();
    const cacheable = policy !== null && !result.errors?.length;
    const body = serialize(result);
    pending.leader?.resolve({
      status: response.http.status ?? 200,
      cacheControl: cacheable ? `max-age=${policy.maxAge}, ${policy.scope.toLowerCase()}` : 'no-store',
      body,
    });
    if (!caching || !cacheable || operation?.operation !== 'query') return;
    const scope = policy.scope ?? 'PUBLIC';
    const key = scope === 'PRIVATE' ? pending.keys.privateKey : pending.keys.publicKey;
    // PRIVATE data of a caller without a scope has no one to be private to: not cached.
    if (!key) return;
    const stored: StoredResponse = { body, storedAt: now(), maxAge: policy.maxAge, scope };
    const kept = await store.store(pending.ticket, key, stored, contextValue.entityTags);
    log.debug(
      { key, kept, tags: contextValue.entityTags.size, maxAge: policy.maxAge },
      kept ? 'response cached' : 'response not cached: purged while computing',
    );
  }

  return {
    serveHits,
    plugin: {
      async requestDidStart({ contextValue }) {
        return { willSendResponse: (context) => willSendResponse(contextValue.request.responseCache, context) };
      },
    },
    purge: (tags) => store.purge(tags),
    sizes: () => ({ responsesInFlight: inFlight.size, rememberedPurges: store.rememberedPurges, decodedResponseBytes: store.decodedBytes }),
  };
}
