import type { ApolloServerPlugin, GraphQLRequestContext } from '@apollo/server';
import type { FormattedExecutionResult } from 'graphql';
import { createHash } from 'node:crypto';
import type { Logger, SharedState } from '../platform/index.js';
import type { GatewayContext } from './context.js';

/**
 * The gateway's response cache: whole query responses, keyed by operation, variables and scope (PUBLIC, or
 * PRIVATE per user, else per API client: see privateScope), kept as long as the subgraphs' cache hints allow,
 * and indexed by the entity tags the subgraphs reported so that purging a tag drops every response that showed
 * the entity. Identical queries in
 * flight at the same time (same key) execute once. Mutations and responses with errors are never cached; a
 * mutation purges the tags of the entities it returned before its response leaves.
 */

type Stored = { body: FormattedExecutionResult; storedAt: number; maxAge: number; scope: 'PUBLIC' | 'PRIVATE' };

export type ResponseCacheOptions = {
  state: SharedState;
  log: Logger;
  /** Serve and store cached responses; default true. */
  cache?: boolean;
  /** Execute identical concurrent queries once; default true. */
  dedupe?: boolean;
};

const tagSet = (tag: string) => `tags:${tag}`;

/** Deletes every cached response indexed under these tags. */
export async function purgeResponses(state: SharedState, tags: Iterable<string>): Promise<number> {
  let purged = 0;
  for (const tag of new Set(tags)) {
    const keys = await state.takeSet(tagSet(tag));
    await Promise.all(keys.map((key) => state.cache.delete(key)));
    purged += keys.length;
  }
  return purged;
}

/**
 * Whom PRIVATE entries and shared in-flight executions belong to: the user (`sub`, with the issuer) when the
 * request carries a token, else the API client; undefined for an anonymous caller without a token.
 */
export function privateScope(context: Pick<GatewayContext, 'caller' | 'request'>): string | undefined {
  const user = context.request.user;
  if (user) return `user:${user.issuer}:${user.sub}`;
  return context.caller.name === undefined ? undefined : `client:${context.caller.name}`;
}

function baseKey(context: GraphQLRequestContext<GatewayContext>): string {
  return createHash('sha256')
    .update(JSON.stringify([context.queryHash, context.operationName ?? null, context.request.variables ?? {}]))
    .digest('base64url');
}

export function responseCachePlugin(options: ResponseCacheOptions): ApolloServerPlugin<GatewayContext> {
  const { state, log } = options;
  const caching = options.cache !== false;
  const deduping = options.dedupe !== false;
  /** Responses being computed, by base key + caller: followers wait for the leader's body. */
  const inFlight = new Map<string, Promise<FormattedExecutionResult>>();

  return {
    async requestDidStart({ contextValue }) {
      let leaderOf: { key: string; resolve: (body: FormattedExecutionResult) => void; reject: (error: unknown) => void } | undefined;
      let served = false;
      return {
        async responseForOperation(requestContext) {
          if (requestContext.operation.operation !== 'query') return null;
          const base = baseKey(requestContext);
          const caller = privateScope(contextValue);
          const publicKey = `response:public:${base}`;
          const privateKey = caller ? `response:private:${caller}:${base}` : undefined;

          if (caching) {
            for (const key of privateKey ? [privateKey, publicKey] : [publicKey]) {
              const hit = await state.cache.get(key);
              if (!hit) continue;
              const stored = JSON.parse(hit) as Stored;
              const age = Math.floor((Date.now() - stored.storedAt) / 1000);
              requestContext.overallCachePolicy.replace({ maxAge: Math.max(0, stored.maxAge - age), scope: stored.scope });
              requestContext.response.http.headers.set('age', String(age));
              served = true;
              return { http: requestContext.response.http, body: { kind: 'single', singleResult: stored.body } };
            }
          }

          if (!deduping) return null;
          const flightKey = `${caller ?? '-'}:${base}`;
          const leader = inFlight.get(flightKey);
          if (leader) {
            const body = await leader;
            served = true;
            return { http: requestContext.response.http, body: { kind: 'single', singleResult: body } };
          }
          let resolve!: (body: FormattedExecutionResult) => void;
          let reject!: (error: unknown) => void;
          const promise = new Promise<FormattedExecutionResult>((res, rej) => {
            resolve = res;
            reject = rej;
          });
          // A leader that fails before answering must not leave an unhandled rejection behind.
          promise.catch(() => {});
          inFlight.set(flightKey, promise);
          leaderOf = { key: flightKey, resolve, reject };
          contextValue.responseCacheKeys = { publicKey, privateKey };
          return null;
        },

        async willSendResponse(requestContext) {
          const { response, operation, overallCachePolicy } = requestContext;
          const body = response.body.kind === 'single' ? response.body.singleResult : undefined;
          if (leaderOf) {
            inFlight.delete(leaderOf.key);
            if (body) leaderOf.resolve(body);
            else leaderOf.reject(new Error('incremental responses are not shared'));
          }
          if (operation?.operation === 'mutation' && contextValue.entityTags.size > 0) {
            // Before the mutation's answer leaves, so the caller's next read cannot be a stale hit.
            await purgeResponses(state, contextValue.entityTags);
            return;
          }
          if (!caching || served || !body || body.errors?.length || operation?.operation !== 'query') return;
          const policy = overallCachePolicy.policyIfCacheable();
          const keys = contextValue.responseCacheKeys;
          if (!policy || !keys) return;
          const scope = policy.scope ?? 'PUBLIC';
          const key = scope === 'PRIVATE' ? keys.privateKey : keys.publicKey;
          // PRIVATE data of an anonymous caller has no one to be private to: not cached.
          if (!key) return;
          const stored: Stored = { body, storedAt: Date.now(), maxAge: policy.maxAge, scope };
          await state.cache.set(key, JSON.stringify(stored), { ttl: policy.maxAge });
          await state.addToSets([...contextValue.entityTags].map((tag) => ({ set: tagSet(tag), member: key })), policy.maxAge);
          log.debug({ key, tags: contextValue.entityTags.size, maxAge: policy.maxAge }, 'response cached');
        },

      };
    },
  };
}
