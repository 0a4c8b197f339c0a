/**
 * The testkit for tests that go through the gateway: start the embedded stack on free ports with a quiet
 * logger, send GraphQL over HTTP, read the emulators' request logs.
 */
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadDevKeys, mintDevToken, type TokenClaims } from '../../gateway/dev-issuer.js';
import { startStack, type Stack } from '../../launcher/stack.js';
import { createLogger, type Env, type Logger } from '../../platform/index.js';

export type TestStack = Stack & {
  /** POSTs a GraphQL operation to the gateway and returns status, headers and the parsed body. */
  query<Data = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GraphQLResult<Data>>;
  /** Every log line the stack wrote, parsed. */
  logLines: Array<Record<string, unknown>>;
  /** A user token from this stack's development issuer. */
  devToken(claims: TokenClaims): Promise<string>;
  /** The SUBGRAPH_SECRET the gateway signs subgraph requests with (for a second gateway over these subgraphs). */
  subgraphSecret: string;
};

export type GraphQLResult<Data> = {
  status: number;
  headers: Headers;
  data: Data | null | undefined;
  errors: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }> | undefined;
};

/** A logger whose lines are kept in memory instead of printed. */
export function memoryLogger(level = 'info'): { log: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  return { log: createLogger({ name: 'test', level, destination }), lines };
}

export async function startTestStack(env: Env = {}): Promise<TestStack> {
  const { log, lines } = memoryLogger();
  // The event pipeline (a database and a job engine) starts only where a test asks for it (EVENTS=true).
  // Each stack its own development issuer key, so tests never share (or write) the repo's.
  const keyFile = env.DEV_ISSUER_KEY_FILE ?? join(tmpdir(), `interchange-dev-issuer-${randomUUID()}.json`);
  const subgraphSecret = env.SUBGRAPH_SECRET ?? randomUUID() + randomUUID();
  // Cost limits and budgets are test/e2e/hostile.test.ts's subject; elsewhere they would only make tests that
  // send many (or large) queries depend on each other's spending. The maximum is lifted too: the ERP tests'
  // 50 customers × 20 orders with lines estimate 35301, over the default (value objects such as Money weigh 1).
  // test/gateway/cost.test.ts checks the README's examples and the economy operations against the default.
  const costFree = {
    COST_MAX_PER_REQUEST: '100000000',
    COST_BUDGET_ANONYMOUS_PER_MINUTE: '1000000000',
    COST_BUDGET_PER_MINUTE: '1000000000',
    // Every test calls from 127.0.0.1: the penalty box would turn one test's deliberate refusals into another's 429.
    REFUSAL_LIMIT: '0',
  };
  const stack = await startStack({
    env: {
      NODE_ENV: 'test',
      EVENTS: 'false',
      // The scheduled sync audit reads every customer through the gateway: a tick landing mid-test would add
      // vendor requests the test counts. Tests that want it set a cron (or trigger its queue).
      SYNC_AUDIT_CRON: 'off',
      PGLITE_DATA_DIR: 'memory',
      DEV_ISSUER_KEY_FILE: keyFile,
      SUBGRAPH_SECRET: subgraphSecret,
      ...costFree,
      ...env,
    },
    ports: 'ephemeral',
    log,
  });
  return {
    ...stack,
    logLines: lines,
    subgraphSecret,
    async devToken(claims) {
      return mintDevToken(await loadDevKeys(keyFile), claims);
    },
    async query<Data>(query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}) {
      const response = await fetch(`${stack.gatewayUrl}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as { data?: Data | null; errors?: GraphQLResult<Data>['errors'] };
      return { status: response.status, headers: response.headers, data: body.data, errors: body.errors };
    },
  };
}
