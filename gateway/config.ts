import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ConfigError, SUBGRAPHS, env, readEnv, type Env } from '../platform/index.js';
import type { AuthorizationMode } from './authorization.js';
import { DEFAULT_COST, type CostOptions } from './cost.js';
import { DEV_AUDIENCE, DEV_ISSUER } from './dev-issuer.js';
import { DEFAULT_LIMITS, type DocumentLimits } from './limits.js';
import { DEFAULT_PENALTY, type PenaltyOptions } from './penalty-box.js';

export type GatewayConfig = {
  port: number;
  host: string;
  nodeEnv: 'development' | 'production' | 'test';
  introspection: boolean;
  sandbox: boolean;
  bodyLimit: string;
  subgraphTimeoutMs: number;
  /**
   * How long, from the moment a request is taken up, its subgraphs and their vendor calls may work on it
   * (REQUEST_DEADLINE_MS, default 25000): sent to every subgraph as `x-request-deadline`. Under the subgraph
   * timeout, so a subgraph's typed UPSTREAM_TIMEOUT arrives before the gateway gives up on it.
   */
  requestDeadlineMs: number;
  shutdownGraceMs: number;
  /** Subgraph URL overrides by subgraph name; the supergraph's URLs apply to the rest. */
  subgraphUrls: Record<string, string>;
  logLevel: string;
  /** Serve and store whole responses by their cache hints. */
  responseCache: boolean;
  /** Execute identical concurrent queries once. */
  dedupe: boolean;
  /**
   * Path of the API client registry (JSON; CLIENT_REGISTRY, default config/clients.json when that file exists);
   * undefined: no declared clients, every caller anonymous.
   */
  clientRegistry: string | undefined;
  /** Refuse callers without an API key. */
  requireApiKey: boolean;
  /** Path of the persisted operation manifest. */
  manifest: string;
  /** Bearer token of /health/upstreams and /internal/* (ADMIN_TOKEN); undefined: open in development, 404 in production. */
  adminToken: string | undefined;
  /** A purge-only bearer token for POST /internal/purge (PURGE_TOKEN), besides ADMIN_TOKEN. */
  purgeToken: string | undefined;
  /** Requests a minute per address for anonymous callers; 0 turns the limit off. */
  anonymousRateLimit: number;
  /** Limits on every document, checked before planning (MAX_QUERY_*; see gateway/limits.ts for defaults). */
  limits: DocumentLimits;
  /** How user tokens are verified; undefined: no user tokens accepted. */
  users: UsersConfig | undefined;
  /**
   * AUTHORIZATION: `filter` removes what the caller may not see (null + UNAUTHORIZED_FIELD_OR_TYPE), `reject`
   * refuses the request, `off` ignores @authenticated/@requiresScopes. Default filter in production, off elsewhere:
   * development runs on the emulators' synthetic data, and the README's first query must answer whole without an
   * identity provider or a token; the gateway logs a warning at start whenever it is off.
   */
  authorization: AuthorizationMode;
  /** SUBGRAPH_SECRET: the gateway signs every subgraph request with it; unset: unsigned (development only). */
  subgraphSecret: string | undefined;
  /** Demand control: per-request maximum and per-minute budgets (COST_*; see gateway/cost.ts for defaults). */
  cost: CostOptions;
  /** The penalty box for callers refused too often (REFUSAL_*; see gateway/penalty-box.ts); refusals 0: off. */
  penalty: PenaltyOptions;
};

export type UsersConfig = {
  /** JWT_JWKS_URL, JWT_PUBLIC_KEY (+ JWT_ALGORITHM, default RS256), or the development issuer's key file. */
  keys: { kind: 'jwks'; url: string } | { kind: 'static'; publicKeyPem: string; algorithm: string } | { kind: 'dev'; keyFile: string };
  /** JWT_ISSUER (the development issuer's own when it is used). */
  issuer: string;
  /** JWT_AUDIENCE (default `interchange`). */
  audience: string;
  /** JWT_CLOCK_SKEW_SECONDS (default 30). */
  clockSkewSeconds: number;
};

/** The development issuer's key pair, beside the repo's other local state (git-ignored). */
export const DEFAULT_DEV_KEY_FILE = fileURLToPath(new URL('../.interchange/dev-issuer.json', import.meta.url));

type UserVars = {
  JWT_JWKS_URL?: string | undefined;
  JWT_PUBLIC_KEY?: string | undefined;
  JWT_ALGORITHM: string;
  JWT_ISSUER?: string | undefined;
  JWT_AUDIENCE: string;
  JWT_CLOCK_SKEW_SECONDS: number;
  DEV_ISSUER?: boolean | undefined;
  DEV_ISSUER_KEY_FILE: string;
};

/** One key source: a configured issuer (JWKS URL or static key), else the development issuer outside production. */
function readUsers(vars: UserVars, development: boolean): UsersConfig | undefined {
  const skew = vars.JWT_CLOCK_SKEW_SECONDS;
  if (vars.JWT_JWKS_URL && vars.JWT_PUBLIC_KEY) throw new ConfigError(['JWT_JWKS_URL and JWT_PUBLIC_KEY: set one of them, not both']);
  if (vars.DEV_ISSUER && !development)
    throw new ConfigError(['DEV_ISSUER: the development issuer mints tokens for anyone and is refused in production (got true)']);
  if (vars.JWT_JWKS_URL || vars.JWT_PUBLIC_KEY) {
    if (!vars.JWT_ISSUER)
      throw new ConfigError(['JWT_ISSUER: required with JWT_JWKS_URL or JWT_PUBLIC_KEY, the `iss` tokens must carry (it is not set)']);
    const keys = vars.JWT_JWKS_URL
      ? { kind: 'jwks' as const, url: vars.JWT_JWKS_URL }
      : { kind: 'static' as const, publicKeyPem: vars.JWT_PUBLIC_KEY!, algorithm: vars.JWT_ALGORITHM };
    return { keys, issuer: vars.JWT_ISSUER, audience: vars.JWT_AUDIENCE, clockSkewSeconds: skew };
  }
  if (!(vars.DEV_ISSUER ?? development)) return undefined;
  return { keys: { kind: 'dev', keyFile: vars.DEV_ISSUER_KEY_FILE }, issuer: DEV_ISSUER, audience: DEV_AUDIENCE, clockSkewSeconds: skew };
}

// `crm-relations` → SUBGRAPH_CRM_RELATIONS_URL: an environment variable's name has no hyphen.
const urlVar = (name: string) => `SUBGRAPH_${name.toUpperCase().replaceAll('-', '_')}_URL`;

/** Where `npm run client:add` writes, and the registry the gateway reads when CLIENT_REGISTRY is unset. */
export const DEFAULT_CLIENT_REGISTRY = fileURLToPath(new URL('../config/clients.json', import.meta.url));

export function readGatewayConfig(source: Env = process.env): GatewayConfig {
  const vars = readEnv(
    {
      NODE_ENV: env.nodeEnv(),
      LOG_LEVEL: env.logLevel(),
      GATEWAY_PORT: env.port(4000),
      GATEWAY_HOST: z.string().min(1).default('127.0.0.1'),
      INTROSPECTION: env.optionalFlag(),
      SANDBOX: env.optionalFlag(),
      BODY_LIMIT: z
        .string()
        .regex(/^\d+(b|kb|mb)$/i, 'expected a size such as 100kb or 1mb')
        .default('1mb'),
      SUBGRAPH_TIMEOUT_MS: env.positiveInt(30_000),
      REQUEST_DEADLINE_MS: env.positiveInt(25_000),
      SHUTDOWN_GRACE_MS: env.positiveInt(10_000),
      RESPONSE_CACHE: env.flag(true),
      GATEWAY_DEDUPE: env.flag(true),
      CLIENT_REGISTRY: z.string().min(1).optional(),
      REQUIRE_API_KEY: env.flag(false),
      PERSISTED_OPERATIONS_MANIFEST: z
        .string()
        .min(1)
        .default(fileURLToPath(new URL('../operations/manifest.json', import.meta.url))),
      ADMIN_TOKEN: z.string().min(16, 'expected at least 16 characters').optional(),
      PURGE_TOKEN: z.string().min(16, 'expected at least 16 characters').optional(),
      ANONYMOUS_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(1200),
      JWT_JWKS_URL: env.url().optional(),
      JWT_PUBLIC_KEY: z
        .string()
        .includes('BEGIN PUBLIC KEY', { message: 'expected a PEM public key (-----BEGIN PUBLIC KEY-----)' })
        .optional(),
      JWT_ALGORITHM: z.enum(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']).default('RS256'),
      JWT_ISSUER: z.string().min(1).optional(),
      JWT_AUDIENCE: z.string().min(1).default(DEV_AUDIENCE),
      JWT_CLOCK_SKEW_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
      DEV_ISSUER: env.optionalFlag(),
      DEV_ISSUER_KEY_FILE: z.string().min(1).default(DEFAULT_DEV_KEY_FILE),
      SUBGRAPH_SECRET: z.string().min(32, 'expected at least 32 characters').optional(),
      COST_MAX_PER_REQUEST: env.positiveInt(DEFAULT_COST.maxPerRequest),
      COST_BUDGET_PER_MINUTE: env.positiveInt(DEFAULT_COST.budgetPerMinute),
      COST_BUDGET_ANONYMOUS_PER_MINUTE: env.positiveInt(DEFAULT_COST.anonymousBudgetPerMinute),
      REFUSAL_LIMIT: z.coerce.number().int().min(0).default(DEFAULT_PENALTY.refusals),
      REFUSAL_WINDOW_SECONDS: env.positiveInt(DEFAULT_PENALTY.windowSeconds),
      REFUSAL_PENALTY_SECONDS: env.positiveInt(DEFAULT_PENALTY.penaltySeconds),
      REFUSAL_HOLD_MS: z.coerce.number().int().min(0).max(10_000).default(DEFAULT_PENALTY.holdMs),
      AUTHORIZATION: z.enum(['filter', 'reject', 'off']).optional(),
      MAX_QUERY_TOKENS: env.positiveInt(DEFAULT_LIMITS.tokens),
      MAX_QUERY_DEPTH: env.positiveInt(DEFAULT_LIMITS.depth),
      MAX_QUERY_ALIASES: z.coerce.number().int().min(0).default(DEFAULT_LIMITS.aliases),
      MAX_QUERY_ROOT_FIELDS: env.positiveInt(DEFAULT_LIMITS.rootFields),
      MAX_QUERY_DIRECTIVES: z.coerce.number().int().min(0).default(DEFAULT_LIMITS.directives),
      MAX_QUERY_REPEATED_FIELDS: env.positiveInt(DEFAULT_LIMITS.repeatedFields),
      MAX_QUERY_FRAGMENTS: z.coerce.number().int().min(0).default(DEFAULT_LIMITS.fragments),
      MAX_QUERY_PLANNED_FIELDS: env.positiveInt(DEFAULT_LIMITS.plannedFields),
      ...Object.fromEntries(SUBGRAPHS.map(({ name }) => [urlVar(name), env.url().optional()])),
    },
    source,
  );
  if (vars.REQUEST_DEADLINE_MS >= vars.SUBGRAPH_TIMEOUT_MS) {
    throw new ConfigError([
      `REQUEST_DEADLINE_MS: must be under SUBGRAPH_TIMEOUT_MS (${vars.SUBGRAPH_TIMEOUT_MS}), so subgraphs answer with a typed error before the gateway stops waiting (got ${vars.REQUEST_DEADLINE_MS})`,
    ]);
  }
  const development = vars.NODE_ENV !== 'production';
  const users = readUsers(vars, development);
  if (!development && !vars.SUBGRAPH_SECRET)
    throw new ConfigError(['SUBGRAPH_SECRET: required in production, so subgraphs answer only the gateway (it is not set)']);
  const subgraphUrls: Record<string, string> = {};
  for (const { name } of SUBGRAPHS) {
    const url = (vars as Record<string, unknown>)[urlVar(name)];
    if (typeof url === 'string') subgraphUrls[name] = url;
  }
  return {
    port: vars.GATEWAY_PORT,
    host: vars.GATEWAY_HOST,
    nodeEnv: vars.NODE_ENV,
    // Both default to on in development and off in production; either can be set explicitly.
    introspection: vars.INTROSPECTION ?? development,
    sandbox: vars.SANDBOX ?? development,
    bodyLimit: vars.BODY_LIMIT,
    subgraphTimeoutMs: vars.SUBGRAPH_TIMEOUT_MS,
    requestDeadlineMs: vars.REQUEST_DEADLINE_MS,
    shutdownGraceMs: vars.SHUTDOWN_GRACE_MS,
    subgraphUrls,
    logLevel: vars.LOG_LEVEL,
    responseCache: vars.RESPONSE_CACHE,
    dedupe: vars.GATEWAY_DEDUPE,
    // The default registry is used once it exists, so a client added with `npm run client:add` works at once.
    clientRegistry: vars.CLIENT_REGISTRY ?? (existsSync(DEFAULT_CLIENT_REGISTRY) ? DEFAULT_CLIENT_REGISTRY : undefined),
    requireApiKey: vars.REQUIRE_API_KEY,
    manifest: vars.PERSISTED_OPERATIONS_MANIFEST,
    adminToken: vars.ADMIN_TOKEN,
    purgeToken: vars.PURGE_TOKEN,
    anonymousRateLimit: vars.ANONYMOUS_RATE_LIMIT_PER_MINUTE,
    limits: {
      tokens: vars.MAX_QUERY_TOKENS,
      depth: vars.MAX_QUERY_DEPTH,
      aliases: vars.MAX_QUERY_ALIASES,
      rootFields: vars.MAX_QUERY_ROOT_FIELDS,
      directives: vars.MAX_QUERY_DIRECTIVES,
      repeatedFields: vars.MAX_QUERY_REPEATED_FIELDS,
      fragments: vars.MAX_QUERY_FRAGMENTS,
      plannedFields: vars.MAX_QUERY_PLANNED_FIELDS,
    },
    users,
    subgraphSecret: vars.SUBGRAPH_SECRET,
    cost: {
      maxPerRequest: vars.COST_MAX_PER_REQUEST,
      budgetPerMinute: vars.COST_BUDGET_PER_MINUTE,
      anonymousBudgetPerMinute: vars.COST_BUDGET_ANONYMOUS_PER_MINUTE,
    },
    penalty: {
      refusals: vars.REFUSAL_LIMIT,
      windowSeconds: vars.REFUSAL_WINDOW_SECONDS,
      penaltySeconds: vars.REFUSAL_PENALTY_SECONDS,
      holdMs: vars.REFUSAL_HOLD_MS,
    },
    authorization: vars.AUTHORIZATION ?? (development ? 'off' : 'filter'),
  };
}
