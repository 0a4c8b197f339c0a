/**
 * The outside world, through HTTP: a matrix of hostile inputs, each with the status and code it must get;
 * users and scopes (three users, three answers, no vendor call for what a user may not see, no cached answer
 * shared between people); subgraphs that answer only the gateway; a production gateway's hardening.
 */
import { SignJWT, exportSPKI, generateKeyPair, importJWK } from 'jose';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../gateway/clients.js';
import { DEV_AUDIENCE, DEV_ISSUER, loadDevKeys } from '../../gateway/dev-issuer.js';
import { createGateway, readGatewayConfig, type Gateway } from '../../gateway/index.js';
import { SIGNATURE_HEADER, signRequest } from '../../platform/index.js';
import { memoryLogger, startTestStack, type TestStack } from '../kit/stack.js';

const WEB_KEY = 'web-key-0123456789abcdef';
const PARTNER_KEY = 'partner-key-0123456789abcdef';
const SCOPED_PARTNER_KEY = 'scoped-partner-key-0123456789abcdef';
const CRM_APP_KEY = 'crm-app-key-0123456789abcdef';
const BILLING_APP_KEY = 'billing-app-key-0123456789abcdef';
const ADMIN_TOKEN = 'admin-token-0123456789abcdef';
const dir = mkdtempSync(join(tmpdir(), 'interchange-hostile-'));
const keyFile = join(dir, 'dev-issuer.json');
const registry = join(dir, 'clients.json');
writeFileSync(
  registry,
  JSON.stringify({
    clients: [
      { name: 'web', kind: 'frontend', keySha256: hashApiKey(WEB_KEY), rateLimitPerMinute: 100_000 },
      { name: 'partner', kind: 'partner', keySha256: hashApiKey(PARTNER_KEY), rateLimitPerMinute: 100_000 },
      {
        name: 'scoped-partner',
        kind: 'partner',
        keySha256: hashApiKey(SCOPED_PARTNER_KEY),
        rateLimitPerMinute: 100_000,
        scopes: ['crm:read'],
      },
      { name: 'crm-app', kind: 'frontend', keySha256: hashApiKey(CRM_APP_KEY), rateLimitPerMinute: 100_000, scopes: ['crm:read'] },
      {
        name: 'billing-app',
        kind: 'frontend',
        keySha256: hashApiKey(BILLING_APP_KEY),
        rateLimitPerMinute: 100_000,
        scopes: ['crm:read', 'billing:read'],
      },
    ],
  }),
);

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({
    AUTHORIZATION: 'filter',
    DEV_ISSUER_KEY_FILE: keyFile,
    CLIENT_REGISTRY: registry,
    ANONYMOUS_RATE_LIMIT_PER_MINUTE: '0',
    // COST_MAX_PER_REQUEST: the default, which the README's examples must pass.
    COST_MAX_PER_REQUEST: undefined,
    COST_BUDGET_ANONYMOUS_PER_MINUTE: '50000',
  });
});
afterAll(() => stack.close());

/** Customer.company / Company.customers alternating `levels` deep, as in the issue. */
function nested(levels: number): string {
  let inner = 'id';
  for (let level = 0; level < levels; level++) inner = level % 2 ? `company { ${inner} }` : `customers(first: 100) { nodes { ${inner} } }`;
  return `{ customer(id: "1001") { ${inner} } }`;
}

/** Fragments each spreading the one before twice: tiny text, 2^depth fields once expanded. */
function fragmentBomb(depth: number): string {
  const fragments = [`fragment F0 on Query { __typename }`];
  for (let level = 1; level <= depth; level++) fragments.push(`fragment F${level} on Query { ...F${level - 1} ...F${level - 1} }`);
  return `{ ...F${depth} } ${fragments.join(' ')}`;
}

const token = async (claims: Record<string, unknown>, options: { audience?: string; expiresIn?: string; key?: 'dev' | 'other' } = {}) => {
  const keys = await loadDevKeys(keyFile);
  const signing = options.key === 'other' ? (await generateKeyPair('ES256')).privateKey : await importJWK(keys.privateJwk, 'ES256');
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: keys.privateJwk.kid! })
    .setIssuer(DEV_ISSUER)
    .setAudience(options.audience ?? DEV_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '1h')
    .sign(signing);
};
const unsigned = () =>
  `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'mallory', scope: 'billing:read', iss: DEV_ISSUER, aud: DEV_AUDIENCE })).toString('base64url')}.`;

type Case = { name: string; send: () => Promise<Response>; status: number; code: string };

const post = (body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${stack.gatewayUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const query = (text: string, headers: Record<string, string> = {}) => post({ query: text }, headers);
const bearer = async (claims: Record<string, unknown>, options?: Parameters<typeof token>[1]) => ({
  authorization: `Bearer ${await token(claims, options)}`,
});

const CASES: Case[] = [
  { name: '12-level nested query', send: () => query(nested(12)), status: 400, code: 'DEPTH_LIMIT_EXCEEDED' },
  { name: '60-level nested query', send: () => query(nested(60)), status: 400, code: 'DEPTH_LIMIT_EXCEEDED' },
  {
    name: '5,000 aliases',
    send: () => query(`{ ${Array.from({ length: 5000 }, (_, i) => `a${i}: __typename`).join(' ')} }`),
    status: 400,
    code: 'TOKEN_LIMIT_EXCEEDED',
  },
  {
    name: '40 aliases',
    send: () => query(`{ customer(id: "1001") { ${Array.from({ length: 40 }, (_, i) => `a${i}: id`).join(' ')} } }`),
    status: 400,
    code: 'ALIAS_LIMIT_EXCEEDED',
  },
  {
    name: '2,000 repeated fields',
    send: () => query(`{ customer(id: "1001") { ${'id '.repeat(2000)} } }`),
    status: 400,
    code: 'FIELD_LIMIT_EXCEEDED',
  },
  {
    name: 'a 1 MB document of tokens (just under the body limit)',
    send: () => query(`{ ${'a '.repeat(500_000)} }`),
    status: 400,
    code: 'TOKEN_LIMIT_EXCEEDED',
  },
  { name: 'a body over the limit', send: () => query(`{ ${'a '.repeat(600_000)} }`), status: 413, code: 'PAYLOAD_TOO_LARGE' },
  {
    name: '25 root fields',
    send: () => query(`{ ${Array.from({ length: 25 }, (_, i) => `c${i}: customer(id: "${1001 + i}") { id }`).join(' ')} }`),
    status: 400,
    code: 'ROOT_FIELD_LIMIT_EXCEEDED',
  },
  {
    name: '40 directives',
    send: () => query(`{ customer(id: "1001") { ${'... on Customer @include(if: true) { id } '.repeat(40)} } }`),
    status: 400,
    code: 'DIRECTIVE_LIMIT_EXCEEDED',
  },
  {
    name: '60 fragment definitions',
    send: () => query(`{ ...F0 } ${Array.from({ length: 60 }, (_, i) => `fragment F${i} on Query { __typename }`).join(' ')}`),
    status: 400,
    code: 'FRAGMENT_LIMIT_EXCEEDED',
  },
  { name: 'a fragment bomb (2^12 fields expanded)', send: () => query(fragmentBomb(12)), status: 400, code: 'PLAN_LIMIT_EXCEEDED' },
  {
    name: 'cost far over the limit',
    send: () => query('{ customers(first: 100) { nodes { company { customers(first: 100) { nodes { deals { nodes { id } } } } } } } }'),
    status: 400,
    code: 'COST_LIMIT_EXCEEDED',
  },
  {
    name: 'a forged JWT (another key)',
    send: async () => query('{ __typename }', await bearer({ sub: 'mallory', scope: 'billing:read' }, { key: 'other' })),
    status: 401,
    code: 'UNAUTHENTICATED',
  },
  {
    name: 'an expired JWT',
    send: async () => query('{ __typename }', await bearer({ sub: 'alice' }, { expiresIn: '-2m' })),
    status: 401,
    code: 'UNAUTHENTICATED',
  },
  {
    name: 'an alg:none JWT',
    send: () => query('{ __typename }', { authorization: `Bearer ${unsigned()}` }),
    status: 401,
    code: 'UNAUTHENTICATED',
  },
  {
    name: 'a JWT for another audience',
    send: async () => query('{ __typename }', await bearer({ sub: 'alice' }, { audience: 'someone-else' })),
    status: 401,
    code: 'UNAUTHENTICATED',
  },
  {
    name: 'a JWT without sub',
    send: async () => query('{ __typename }', await bearer({ scope: 'crm:read' })),
    status: 401,
    code: 'UNAUTHENTICATED',
  },
  {
    name: 'a garbage bearer token',
    send: () => query('{ __typename }', { authorization: 'Bearer not.a.jwt' }),
    status: 401,
    code: 'UNAUTHENTICATED',
  },
  {
    name: 'Basic credentials',
    send: () => query('{ __typename }', { authorization: 'Basic YWxpY2U6c2VjcmV0' }),
    status: 401,
    code: 'UNAUTHENTICATED',
  },
  {
    name: 'an unknown API key (another client)',
    send: () => query('{ __typename }', { 'x-api-key': 'someone-elses-key-0123456789' }),
    status: 401,
    code: 'UNAUTHENTICATED',
  },
  {
    name: 'a partner sending query text',
    send: () => query('{ __typename }', { 'x-api-key': PARTNER_KEY }),
    status: 403,
    code: 'PERSISTED_QUERY_REQUIRED',
  },
  {
    name: 'an unknown persisted document id',
    send: () => post({ documentId: `sha256:${'0'.repeat(64)}` }),
    status: 400,
    code: 'PERSISTED_QUERY_NOT_FOUND',
  },
  { name: 'malformed JSON', send: () => post('{"query": '), status: 400, code: 'BAD_REQUEST' },
  {
    name: 'GET with variables that are not JSON',
    send: () =>
      fetch(`${stack.gatewayUrl}/graphql?query=${encodeURIComponent('{ __typename }')}&variables=%7Bnope`, {
        headers: { 'apollo-require-preflight': 'true' },
      }),
    status: 400,
    code: 'BAD_REQUEST',
  },
  { name: 'a syntax error', send: () => query('{ customer(id: "1001") { id '), status: 400, code: 'GRAPHQL_PARSE_FAILED' },
  {
    name: 'a purge without a token',
    send: () =>
      post({ tags: ['Customer:1001'] }).then(() =>
        fetch(`${stack.gatewayUrl}/internal/purge`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"tags":["Customer:1001"]}',
        }),
      ),
    status: 404,
    code: 'NOT_FOUND',
  },
  {
    name: 'a direct unsigned request to a subgraph',
    send: () =>
      fetch(stack.subgraphUrls.payments!, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"query":"{ __typename }"}',
      }),
    status: 401,
    code: 'UNAUTHENTICATED',
  },
  {
    name: 'a subgraph request signed with another secret',
    send: () => {
      const body = '{"query":"{ __typename }"}';
      return fetch(stack.subgraphUrls.payments!, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [SIGNATURE_HEADER]: signRequest('x'.repeat(64), { method: 'POST', path: '/graphql', body, identity: {} }),
        },
        body,
      });
    },
    status: 401,
    code: 'UNAUTHENTICATED',
  },
  {
    name: 'a replayed subgraph request (signed 5 minutes ago)',
    send: () => {
      const body = '{"query":"{ __typename }"}';
      const signature = signRequest(stack.subgraphSecret, { method: 'POST', path: '/graphql', body, identity: {} }, Date.now() - 300_000);
      return fetch(stack.subgraphUrls.payments!, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signature },
        body,
      });
    },
    status: 401,
    code: 'UNAUTHENTICATED',
  },
  {
    name: 'a subgraph request whose identity was changed after signing',
    send: () => {
      const body = '{"query":"{ __typename }"}';
      const signature = signRequest(stack.subgraphSecret, {
        method: 'POST',
        path: '/graphql',
        body,
        identity: { user: 'bob', scopes: 'crm:read' },
      });
      return fetch(stack.subgraphUrls.payments!, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [SIGNATURE_HEADER]: signature,
          'x-interchange-user': 'bob',
          'x-interchange-scopes': 'crm:read billing:read',
        },
        body,
      });
    },
    status: 401,
    code: 'UNAUTHENTICATED',
  },
];

describe('hostile inputs over HTTP', () => {
  it('has at least 30 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
  });

  it.each(CASES)('$name → $status $code', async ({ send, status, code }) => {
    const response = await send();
    const body = (await response.json()) as { errors?: Array<{ message: string; extensions?: { code?: string } }> };
    expect({ status: response.status, code: body.errors?.[0]?.extensions?.code }).toEqual({ status, code });
    // Every refusal says what is wrong; none leaks a stack.
    expect(body.errors?.[0]?.message).toMatch(/\w{3,}/);
    expect(JSON.stringify(body)).not.toMatch(/\bat \S+\.(ts|js):\d+/);
  });

  it('signed requests from the gateway still reach the subgraphs', async () => {
    const result = await stack.query('{ customer(id: "1001") { id } }', undefined, {
      authorization: `Bearer ${await token({ sub: 'alice', scope: 'crm:read' })}`,
    });
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ customer: { id: '1001' } });
  });

  it('refuses deep queries without the process growing (50 of them, 60 levels, under 50 MB)', async () => {
    const deep = JSON.stringify({ query: nested(60) });
    global.gc?.();
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 50; i++) {
      const response = await post(deep);
      expect(response.status).toBe(400);
      await response.arrayBuffer();
    }
    const grown = (process.memoryUsage().rss - before) / 1024 / 1024;
    expect(grown).toBeLessThan(50);
  });
});

describe('users and scopes', () => {
  const CUSTOMER = '{ customer(id: "1001") { id email billing { id } } }';

  it('gives three answers to three users, and asks Stripe only for the one who may see billing', async () => {
    const stripe = stack.emulators.stripe!.requests;
    stripe.entries.length = 0;
    const anonymous = await stack.query(CUSTOMER);
    expect(anonymous.data).toEqual({ customer: null });
    expect(anonymous.errors).toEqual([expect.objectContaining({ path: ['customer'], extensions: { code: 'UNAUTHORIZED_FIELD_OR_TYPE' } })]);

    const crm = await stack.query<{ customer: { id: string; billing: unknown } }>(
      CUSTOMER,
      undefined,
      await bearer({ sub: 'carol', scope: 'crm:read' }),
    );
    expect(crm.data?.customer).toMatchObject({ id: '1001', billing: null });
    expect(crm.errors).toEqual([
      expect.objectContaining({ path: ['customer', 'billing'], extensions: { code: 'UNAUTHORIZED_FIELD_OR_TYPE' } }),
    ]);
    expect(stripe.count()).toBe(0);

    const full = await stack.query<{ customer: { id: string; billing: { id: string } } }>(
      CUSTOMER,
      undefined,
      await bearer({ sub: 'dave', scope: 'crm:read billing:read' }),
    );
    expect(full.errors).toBeUndefined();
    expect(full.data?.customer.billing.id).toMatch(/^cus_/);
    expect(stripe.count()).toBeGreaterThan(0);
  });

  it("applies an API client's own scopes without a user, and bounds its users' scopes by them", async () => {
    const billingOf = async (headers: Record<string, string>) => {
      const result = await stack.query<{ customer: { id: string; billing: { id: string } | null } | null }>(CUSTOMER, undefined, headers);
      return {
        customer: result.data?.customer?.id ?? null,
        billing: result.data?.customer?.billing ? 'seen' : null,
        refused: (result.errors ?? []).map((error) => error.path?.join('.')),
      };
    };
    const full = { scope: 'crm:read billing:read' };
    // A client's scopes alone.
    expect(await billingOf({ 'x-api-key': CRM_APP_KEY })).toEqual({ customer: '1001', billing: null, refused: ['customer.billing'] });
    expect(await billingOf({ 'x-api-key': BILLING_APP_KEY })).toEqual({ customer: '1001', billing: 'seen', refused: [] });
    // Both: the intersection. The crm-app key bounds a user who may see billing; a user without billing stays without.
    expect(await billingOf({ 'x-api-key': CRM_APP_KEY, ...(await bearer({ sub: 'ivan', ...full })) })).toEqual({
      customer: '1001',
      billing: null,
      refused: ['customer.billing'],
    });
    expect(await billingOf({ 'x-api-key': BILLING_APP_KEY, ...(await bearer({ sub: 'judy', scope: 'crm:read' })) })).toEqual({
      customer: '1001',
      billing: null,
      refused: ['customer.billing'],
    });
    // A client declared without scopes bounds nothing: its user's token applies as it is.
    expect(await billingOf({ 'x-api-key': WEB_KEY, ...(await bearer({ sub: 'ivan', ...full })) })).toEqual({
      customer: '1001',
      billing: 'seen',
      refused: [],
    });
    expect(await billingOf({ 'x-api-key': WEB_KEY })).toEqual({ customer: null, billing: null, refused: ['customer'] });
  });

  it("runs a partner's persisted operation under the partner's scopes", async () => {
    const { email } = (
      await stack.query<{ customer: { email: string } }>(
        '{ customer(id: "1001") { email } }',
        undefined,
        await bearer({ sub: 'kim', scope: 'crm:read' }),
      )
    ).data!.customer;
    const profile = (key: string) =>
      post(
        { documentId: 'sha256:1c5f64cffd1d69bc1abdee64184e3f9be1ec376fb891e3b2efe0e3f7730bf3cb', variables: { email } },
        { 'x-api-key': key },
      ).then(
        (response) =>
          response.json() as Promise<{
            data?: { customerByEmail: { email: string } | null };
            errors?: Array<{ extensions: { code: string } }>;
          }>,
      );
    const scoped = await profile(SCOPED_PARTNER_KEY);
    expect(scoped.errors).toBeUndefined();
    expect(scoped.data?.customerByEmail?.email).toBe(email);
    const unscoped = await profile(PARTNER_KEY);
    expect(unscoped.data?.customerByEmail).toBeNull();
    expect(unscoped.errors?.[0]?.extensions.code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
  });

  it('reads scopes from scp as well as scope', async () => {
    const result = await stack.query<{ customer: { billing: { id: string } } }>(
      CUSTOMER,
      undefined,
      await bearer({ sub: 'erin', scp: ['crm:read', 'billing:read'] }),
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.customer.billing.id).toMatch(/^cus_/);
  });

  it('never serves one person the PRIVATE answer cached for another, even through the same frontend key', async () => {
    const QUERY = '{ customer(id: "1002") { id firstName } }';
    const alice = { 'x-api-key': WEB_KEY, ...(await bearer({ sub: 'alice', scope: 'crm:read' })) };
    const bob = { 'x-api-key': WEB_KEY, ...(await bearer({ sub: 'bob', scope: 'crm:read' })) };
    const first = await stack.query(QUERY, undefined, alice);
    expect(first.headers.get('age')).toBeNull();
    const again = await stack.query(QUERY, undefined, alice);
    expect(again.headers.get('age')).not.toBeNull();
    const other = await stack.query(QUERY, undefined, bob);
    expect(other.headers.get('age')).toBeNull();
    expect(other.data).toEqual(first.data);
  });

  it('reports the estimated and the actual cost when asked', async () => {
    const ask = async (query: string, variables?: Record<string, unknown>) => {
      const response = await post({ query, variables, extensions: { cost: true } }, await bearer({ sub: 'alice', scope: 'crm:read' }));
      return ((await response.json()) as { extensions?: { cost?: { estimated: number; actual: number; limit: number } } }).extensions?.cost;
    };
    expect(await ask('{ customers(first: 5) { nodes { id } } }')).toEqual({ estimated: 6, actual: 6, limit: 10_000 });
    // The estimate counts `first` items in each list; the actual cost counts what came back.
    const deals = await ask(
      'query ($id: ID!) { customer(id: $id) { id deals(first: 50) { nodes { id } } } customers(first: 3) { nodes { id } } }',
      { id: '1001' },
    );
    expect(deals).toMatchObject({ estimated: 1 + 1 + 50 + 1 + 3 });
    expect(deals!.actual).toBeLessThan(deals!.estimated);
    expect(deals!.actual).toBeGreaterThanOrEqual(1 + 1 + 1 + 3);
  });
});

describe('a production gateway', () => {
  let gateway: Gateway;
  let url: string;
  let signingKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  const issuer = 'https://idp.test.invalid/';

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    signingKey = pair.privateKey;
    const { log } = memoryLogger();
    const config = readGatewayConfig({
      NODE_ENV: 'production',
      SUBGRAPH_SECRET: stack.subgraphSecret,
      ADMIN_TOKEN,
      AUTHORIZATION: 'reject',
      JWT_PUBLIC_KEY: await exportSPKI(pair.publicKey),
      JWT_ISSUER: issuer,
      COST_BUDGET_PER_MINUTE: '60',
      CLIENT_REGISTRY: registry,
    });
    gateway = await createGateway({ config: { ...config, port: 0, subgraphUrls: stack.subgraphUrls }, log });
    url = await gateway.listen();
  });
  afterAll(() => gateway.close());

  const user = (scope: string, sub = 'frank') =>
    new SignJWT({ scope })
      .setProtectedHeader({ alg: 'RS256' })
      .setSubject(sub)
      .setIssuer(issuer)
      .setAudience(DEV_AUDIENCE)
      .setExpirationTime('5m')
      .sign(signingKey);
  const ask = (text: string, headers: Record<string, string> = {}) =>
    fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query: text }),
    });

  it('keeps /health/upstreams and /internal/* behind ADMIN_TOKEN, /health open', async () => {
    expect((await fetch(`${url}/health`)).status).toBe(200);
    expect((await fetch(`${url}/health/upstreams`)).status).toBe(401);
    expect((await fetch(`${url}/health/upstreams`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
    expect((await fetch(`${url}/health/upstreams`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status).toBe(200);
    expect((await fetch(`${url}/internal/purge`, { method: 'POST' })).status).toBe(401);
  });

  it('sends security headers, serves no development issuer and suggests no field names', async () => {
    const response = await ask('{ customr(id: "1") { id } }');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(response.headers.get('strict-transport-security')).toMatch(/max-age=/);
    const body = (await response.json()) as { errors: Array<{ message: string }> };
    expect(body.errors[0]!.message).not.toMatch(/Did you mean/);
    expect((await fetch(`${url}/.well-known/jwks.json`)).status).toBe(404);
  });

  it('verifies tokens with a static key and, in reject mode, refuses a request asking for more than its scopes', async () => {
    const refused = await ask('{ customer(id: "1001") { id billing { id } } }', { authorization: `Bearer ${await user('crm:read')}` });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]!.extensions.code).toBe('FORBIDDEN');
    const allowed = await ask('{ customer(id: "1001") { id } }', { authorization: `Bearer ${await user('crm:read')}` });
    expect(allowed.status).toBe(200);
  });

  it('charges the estimate up front and corrects the budget by the actual cost', async () => {
    const headers = { authorization: `Bearer ${await user('crm:read', 'heidi')}` };
    const send = async () => {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query: '{ customer(id: "1001") { id deals(first: 20) { nodes { id } } } }', extensions: { cost: true } }),
      });
      const body = (await response.json()) as { errors?: unknown; extensions: { cost: { estimated: number; actual: number } } };
      expect(body.errors).toBeUndefined();
      return { remaining: Number(response.headers.get('x-cost-budget-remaining')), cost: body.extensions.cost };
    };
    const first = await send();
    expect(first.cost.estimated).toBe(22);
    expect(first.remaining).toBe(60 - 22);
    expect(first.cost.actual).toBeLessThan(22);
    // The second request sees the first charged at its actual cost only.
    const second = await send();
    expect(second.remaining).toBe(60 - first.cost.actual - 22);
  });

  it('one client exhausting its cost budget leaves another client answering', async () => {
    const LIST = '{ companies(first: 20) { nodes { id } } }';
    const partnerless = { 'x-api-key': WEB_KEY };
    let status = 200;
    for (let i = 0; i < 5 && status === 200; i++) status = (await ask(LIST, partnerless)).status;
    expect(status).toBe(429);
    const spent = await ask(LIST, partnerless);
    expect(((await spent.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]!.extensions.code).toBe(
      'COST_BUDGET_EXCEEDED',
    );
    // Another caller (a user with its own budget) is not affected.
    const other = await ask('{ customer(id: "1001") { id } }', { authorization: `Bearer ${await user('crm:read')}` });
    expect(other.status).toBe(200);
  });
});

describe('the penalty box', () => {
  let gateway: Gateway;
  let url: string;

  beforeAll(async () => {
    const { log } = memoryLogger();
    const config = readGatewayConfig({
      NODE_ENV: 'test',
      SUBGRAPH_SECRET: stack.subgraphSecret,
      DEV_ISSUER_KEY_FILE: keyFile,
      CLIENT_REGISTRY: registry,
      ANONYMOUS_RATE_LIMIT_PER_MINUTE: '0',
      REFUSAL_LIMIT: '3',
      REFUSAL_PENALTY_SECONDS: '120',
      REFUSAL_HOLD_MS: '300',
    });
    gateway = await createGateway({ config: { ...config, port: 0, subgraphUrls: stack.subgraphUrls }, log });
    url = await gateway.listen();
  });
  afterAll(() => gateway.close());

  const send = async (body: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const json = (await response.json()) as { errors?: Array<{ extensions?: { code?: string } }> };
    return {
      status: response.status,
      code: json.errors?.[0]?.extensions?.code,
      retryAfter: response.headers.get('retry-after'),
      nosniff: response.headers.get('x-content-type-options'),
    };
  };
  const deep = JSON.stringify({ query: nested(12) });
  const good = JSON.stringify({ query: '{ customer(id: "1001") { id } }' });

  it('boxes a caller past REFUSAL_LIMIT refusals, before reading its body, and only that caller', async () => {
    // A frontend key's refusals count against the key at its address, not against the address alone.
    expect(await send(JSON.stringify({ query: '{ nope }' }), { 'x-api-key': WEB_KEY })).toMatchObject({ status: 400 });
    for (let i = 0; i < 4; i++) expect(await send(deep)).toMatchObject({ status: 400, code: 'DEPTH_LIMIT_EXCEEDED' });
    const sent = Date.now();
    const boxed = await send(deep);
    expect(boxed).toMatchObject({ status: 429, code: 'TOO_MANY_REFUSALS' });
    // Held REFUSAL_HOLD_MS before it is sent: a client looping on its refusals slows to one a hold per connection.
    expect(Date.now() - sent).toBeGreaterThanOrEqual(290);
    expect(Number(boxed.retryAfter)).toBeGreaterThan(100);
    // Answered by the HTTP server before express routes the request, still with the headers of every response.
    expect(boxed.nosniff).toBe('nosniff');
    // Refused from its headers: a body over the limit is not read (no 413), malformed JSON is not parsed.
    expect(await send(`{ "query": "${'a '.repeat(600_000)}" }`)).toMatchObject({ status: 429, code: 'TOO_MANY_REFUSALS' });
    expect(await send('{"query": ')).toMatchObject({ status: 429, code: 'TOO_MANY_REFUSALS' });
    // The caller's own good requests wait out the penalty too.
    expect(await send(good)).toMatchObject({ status: 429, code: 'TOO_MANY_REFUSALS' });
    // Bad credentials from the boxed address get the box's answer.
    expect(await send(good, { 'x-api-key': 'someone-elses-key-0123456789' })).toMatchObject({ status: 429, code: 'TOO_MANY_REFUSALS' });

    // Other callers from the same address are not touched: a frontend's key, a signed-in user.
    expect(await send(good, { 'x-api-key': WEB_KEY })).toMatchObject({ status: 200 });
    expect(await send(good, { authorization: `Bearer ${await token({ sub: 'grace', scope: 'crm:read' })}` })).toMatchObject({
      status: 200,
    });
  });

  it('refuses a body announced over the limit from its Content-Length', async () => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': WEB_KEY },
      body: `{ "query": "${'a '.repeat(600_000)}" }`,
    });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]!.extensions.code).toBe(
      'PAYLOAD_TOO_LARGE',
    );
  });
});
