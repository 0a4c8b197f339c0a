import { createHash } from 'node:crypto';
import type { GraphQLBody } from '../../gateway/pipeline.js';
import { describe, expect, it } from 'vitest';
import { cacheScope, canonicalJson, responseKeys } from '../../gateway/response-key.js';

// The request body as the pipeline hands it over (a GET's parameters already parsed into the same shape).
const post = (body: unknown) => body as GraphQLBody;
const QUERY = 'query Customer($id: ID!) { customer(id: $id) { id } }';
const HASH = createHash('sha256').update(QUERY).digest('hex');

describe('response keys', () => {
  it('writes objects with sorted keys at every depth and keeps list order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null }, e: undefined })).toBe('{"a":{"c":null,"d":[2,1]},"b":1}');
  });

  it('names the same response whether the document comes as text or as an APQ hash', () => {
    const text = responseKeys(post({ query: QUERY, variables: { id: '1' } }), undefined)!;
    expect(
      responseKeys(post({ extensions: { persistedQuery: { version: 1, sha256Hash: HASH } }, variables: { id: '1' } }), undefined),
    ).toEqual({ ...text, readOnly: false });
  });

  it('tells variables, operation names and scopes apart', () => {
    const base = responseKeys(post({ query: QUERY, variables: { id: '1' } }), 'client:web')!;
    expect(responseKeys(post({ query: QUERY, variables: { id: '2' } }), 'client:web')!.publicKey).not.toBe(base.publicKey);
    expect(responseKeys(post({ query: QUERY, operationName: 'Customer', variables: { id: '1' } }), 'client:web')!.publicKey).not.toBe(
      base.publicKey,
    );
    const other = responseKeys(post({ query: QUERY, variables: { id: '1' } }), 'client:other')!;
    expect(other.publicKey).toBe(base.publicKey);
    expect(other.privateKey).not.toBe(base.privateKey);
    expect(responseKeys(post({ query: QUERY, variables: { id: '1' } }), undefined)!.privateKey).toBeUndefined();
  });

  it('shares only what can only be a query, and keys nothing that names no document', () => {
    expect(responseKeys(post({ query: QUERY }), undefined)!.readOnly).toBe(true);
    expect(responseKeys(post({ query: 'mutation { purge }' }), undefined)!.readOnly).toBe(false);
    expect(responseKeys(post([{ query: QUERY }]), undefined)).toBeUndefined();
    expect(responseKeys(post({ variables: {} }), undefined)).toBeUndefined();
  });

  it('scopes PRIVATE entries by user, else by API client, and gives anonymous callers none', () => {
    const web = { kind: 'frontend', name: 'web', rateLimitPerMinute: 1 } as const;
    const anonymous = { kind: 'anonymous', name: undefined, address: '127.0.0.1' } as const;
    const alice = { sub: 'alice', issuer: 'https://issuer.test', scopes: new Set<string>() };
    expect(cacheScope({ caller: web, user: undefined })).toBe('client:web');
    expect(cacheScope({ caller: web, user: alice })).toBe('user:https://issuer.test:alice');
    expect(cacheScope({ caller: anonymous, user: alice })).toBe('user:https://issuer.test:alice');
    expect(cacheScope({ caller: anonymous, user: undefined })).toBeUndefined();
  });
});
