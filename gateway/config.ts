import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ConfigError, SUBGRAPHS, env, readEnv, type Env } from '../platform/index.js';

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
  /** Bearer token of POST /internal/purge; undefined disables the endpoint. */
  purgeToken: string | undefined;
  /** Requests a minute per address for anonymous callers; 0 turns the limit off. */
  anonymousRateLimit: number;
};

const urlVar = (name: string) => `SUBGRAPH_${name.toUpperCase()}_URL`;

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
      BODY_LIMIT: z.string().regex(/^\d+(b|kb|mb)$/i, 'expected a size such as 100kb or 1mb').default('1mb'),
      SUBGRAPH_TIMEOUT_MS: env.positiveInt(30_000),
      REQUEST_DEADLINE_MS: env.positiveInt(25_000),
      SHUTDOWN_GRACE_MS: env.positiveInt(10_000),
      RESPONSE_CACHE: env.flag(true),
      GATEWAY_DEDUPE: env.flag(true),
      CLIENT_REGISTRY: z.string().min(1).optional(),
      REQUIRE_API_KEY: env.flag(false),
      PERSISTED_OPERATIONS_MANIFEST: z.string().min(1).default(fileURLToPath(new URL('../operations/manifest.json', import.meta.url))),
      PURGE_TOKEN: z.string().min(16, 'expected at least 16 characters').optional(),
      ANONYMOUS_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(1200),
      ...Object.fromEntries(SUBGRAPHS.map(({ name }) => [urlVar(name), env.url().optional()])),
    },
    source,
  );
  if (vars.REQUEST_DEADLINE_MS >= vars.SUBGRAPH_TIMEOUT_MS) {
    throw new ConfigError([`REQUEST_DEADLINE_MS: must be under SUBGRAPH_TIMEOUT_MS (${vars.SUBGRAPH_TIMEOUT_MS}), so subgraphs answer with a typed error before the gateway stops waiting (got ${vars.REQUEST_DEADLINE_MS})`]);
  }
  const development = vars.NODE_ENV !== 'production';
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
    purgeToken: vars.PURGE_TOKEN,
    anonymousRateLimit: vars.ANONYMOUS_RATE_LIMIT_PER_MINUTE,
  };
}
