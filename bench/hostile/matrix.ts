/**
 * What the hostile benchmark's attacker sends, round robin: inputs the gateway refuses (limits, cost, bad
 * credentials, an oversized body), and heavy valid queries that spend its cost budget.
 */
import { createSign, generateKeyPairSync } from 'node:crypto';

function nested(levels: number): string {
  let inner = 'id';
  for (let level = 0; level < levels; level++) inner = level % 2 ? `company { ${inner} }` : `customers(first: 100) { nodes { ${inner} } }`;
  return `{ customer(id: "1001") { ${inner} } }`;
}

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const unsigned = `${b64({ alg: 'none' })}.${b64({ sub: 'x' })}.`;

/** An RS256 token signed by a key the gateway does not trust: refusing it costs a real signature check. */
function forged(): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ sub: 'mallory', scope: 'billing:read', iss: 'https://idp.bench.invalid/', aud: 'interchange', iat: now, exp: now + 86_400 })}`;
  return `${input}.${createSign('RSA-SHA256').update(input).sign(privateKey).toString('base64url')}`;
}

const query = (text: string, headers?: Record<string, string>) => ({
  body: JSON.stringify({ query: text }),
  ...(headers ? { headers } : {}),
});

export const HOSTILE: Array<{ body: string; headers?: Record<string, string> }> = [
  query(nested(12)),
  query(nested(60)),
  query(`{ ${Array.from({ length: 5000 }, (_, i) => `a${i}: __typename`).join(' ')} }`),
  query(`{ customer(id: "1001") { ${'id '.repeat(2000)} } }`),
  // Just under the 1 MB body limit: read whole, refused by the token limit.
  query(`{ ${'a '.repeat(480_000)} }`),
  // Over the body limit: refused from its Content-Length.
  query(`{ ${'a '.repeat(600_000)} }`),
  query('{ customers(first: 100) { nodes { company { customers(first: 100) { nodes { deals { nodes { id } } } } } } } }'),
  query('{ __typename }', { authorization: `Bearer ${unsigned}` }),
  query('{ __typename }', { authorization: `Bearer ${forged()}` }),
  query('{ __typename }', { 'x-api-key': 'not-a-key-0123456789' }),
  query('{ customers(first: 100) { nodes { id deals(first: 30) { nodes { id } } } } }'),
];
