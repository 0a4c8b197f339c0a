import type { Request } from 'express';
import { createHash } from 'node:crypto';
import type { Caller } from './caller.js';

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
 * The one place that says whose PRIVATE entries a caller may read: the API client's name. Anonymous callers
 * have no scope, so PRIVATE data is never cached for them.
 */
export function cacheScope(caller: Caller): string | undefined {
  return caller.kind === 'anonymous' ? undefined : `client:${caller.name}`;
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

/** The GraphQL request in a POST JSON body or a GET query string; undefined for anything else (batches, forms). */
function operationRequest(req: Request): OperationRequest | undefined {
  const source: unknown = req.method === 'POST' ? req.body : req.method === 'GET' ? req.query : undefined;
  if (typeof source !== 'object' || source === null || Array.isArray(source)) return undefined;
  const { query, operationName, variables, extensions } = source as Record<string, unknown>;
  let parsedVariables = variables;
  let parsedExtensions = extensions;
  try {
    // GET carries variables and extensions as JSON text.
    if (typeof variables === 'string') parsedVariables = JSON.parse(variables);
    if (typeof extensions === 'string') parsedExtensions = JSON.parse(extensions);
  } catch {
    return undefined;
  }
  const hash = (parsedExtensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined)?.persistedQuery?.sha256Hash;
  if (typeof query !== 'string' && typeof hash !== 'string') return undefined;
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return undefined;
  return {
    ...(typeof query === 'string' ? { query } : {}),
    ...(typeof hash === 'string' ? { hash } : {}),
    ...(typeof operationName === 'string' ? { operationName } : {}),
    variables: parsedVariables,
  };
}

const sha256 = (text: string, encoding: 'hex' | 'base64url') => createHash('sha256').update(text).digest(encoding);

/** The keys of this request's response, or undefined when the request names no document. */
export function responseKeys(req: Request, scope: string | undefined): ResponseKeys | undefined {
  const request = operationRequest(req);
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
