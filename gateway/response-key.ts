import { createHash } from 'node:crypto';
import type { GraphQLBody, RequestState } from './pipeline.js';

/**
 * What identifies a cached response, computed from what the HTTP request carries (before Apollo parses
 * anything): the document (its SHA-256, as Apollo's queryHash and APQ's sha256Hash are), the operation name,
 * the variables in canonical form, and the caller's scope for PRIVATE entries.
 */
export type ResponseKeys = {
  /** Stores the entry when the response is PUBLIC. */
  publicKey: string;
  /** Stores the entry when the response is PRIVATE; undefined when the caller has no scope (anonymous). */
  privateKey: string | undefined;
  /** Identical requests in flight with this key execute once. */
  flightKey: string;
  /** The query text contains no `mutation`/`subscription` keyword, so it can only be a query: safe to share. */
  readOnly: boolean;
};

/**
 * The one place that says whose PRIVATE entries (and shared in-flight executions) a request belongs to: the
 * user (`sub`, with the issuer) when it carries a verified token, else the API client; undefined for an
 * anonymous caller without a token, so PRIVATE data is never cached for it.
 */
export function cacheScope(request: Pick<RequestState, 'caller' | 'user'>): string | undefined {
  if (request.user) return `user:${request.user.issuer}:${request.user.sub}`;
  return request.caller.kind === 'anonymous' ? undefined : `client:${request.caller.name}`;
}

/** JSON with object keys sorted at every depth, so `{a, b}` and `{b, a}` name the same variables. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.keys(value)
    .sort()
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
  return `{${entries.join(',')}}`;
}

type OperationRequest = { query?: string; hash?: string; operationName?: string; variables?: unknown };

/** The operation the (pipeline's) request body names; undefined for anything else (batches, no document). */
function operationRequest(body: GraphQLBody): OperationRequest | undefined {
  const { query, operationName, variables, extensions } = body;
  const hash = extensions?.persistedQuery?.sha256Hash;
  if (typeof query !== 'string' && typeof hash !== 'string') return undefined;
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return undefined;
  return {
    ...(typeof query === 'string' ? { query } : {}),
    ...(typeof hash === 'string' ? { hash } : {}),
    ...(typeof operationName === 'string' ? { operationName } : {}),
    variables,
  };
}

const sha256 = (text: string, encoding: 'hex' | 'base64url') => createHash('sha256').update(text).digest(encoding);

/** The keys of this request's response, or undefined when the request names no document. */
export function responseKeys(body: GraphQLBody, scope: string | undefined): ResponseKeys | undefined {
  const request = operationRequest(body);
  if (!request) return undefined;
  const documentHash = request.query !== undefined ? sha256(request.query, 'hex') : request.hash!;
  const base = sha256(`${documentHash}\n${request.operationName ?? ''}\n${canonicalJson(request.variables ?? {})}`, 'base64url');
  return {
    publicKey: `response:public:${base}`,
    privateKey: scope === undefined ? undefined : `response:private:${scope}:${base}`,
    flightKey: `${scope ?? '-'}:${base}`,
    readOnly: request.query !== undefined && !/\b(?:mutation|subscription)\b/.test(request.query),
  };
}
