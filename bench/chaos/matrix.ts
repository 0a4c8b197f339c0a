/**
 * The chaos matrix, shared by the chaos tests (test/e2e/chaos-*.test.ts, which assert) and `npm run bench:chaos`
 * (bench/chaos/run.ts, which measures and writes bench/reports/chaos.md): every vendor x every fault, run
 * through the gateway of the embedded stack against the vendor emulators' fault injection.
 */
import type { ErpSoapEmulator } from '../../emulators/erp-soap/index.js';
import type { HubSpotEmulator } from '../../emulators/hubspot/index.js';
import type { MixpanelEmulator } from '../../emulators/mixpanel/index.js';
import { seedPeople } from '../../emulators/shared/people.js';
import type { Emulator, FaultRule } from '../../emulators/shared/server.js';
import type { StripeEmulator } from '../../emulators/stripe/index.js';
import type { Env } from '../../platform/index.js';

/** The request deadline of the chaos stack, ms: short, so a matrix of timeouts runs in seconds. */
export const DEADLINE_MS = 1500;
/** How long a vendor's circuit stays open before a probe, ms. */
export const HALF_OPEN_MS = 600;
/** Consecutive failed attempts that open a circuit (the policy default). */
export const BREAKER_THRESHOLD = 5;

/**
 * The chaos stack's environment: a short deadline and per-attempt timeouts (a third of it, so a retry fits),
 * a short half-open delay, and every cache and deduplication off so each query reaches the vendors. The
 * emulators' own rate limits are lifted (Mixpanel's 60 exports an hour would end the matrix early); that lifts
 * Interchange's quotas too (launcher/part.ts), which the 429 storm turns back on with its own stack.
 */
export const CHAOS_ENV: Env = {
  LOG_LEVEL: 'silent',
  // The faults target query paths; the event pipeline's catch-up would only add noise to the counts.
  EVENTS: 'false',
  REQUEST_DEADLINE_MS: String(DEADLINE_MS),
  RESPONSE_CACHE: 'false',
  GATEWAY_DEDUPE: 'false',
  ENTITY_CACHE: 'false',
  EMULATOR_RATE_LIMITS: 'false',
  MIXPANEL_MAX_WINDOW_DAYS: '36500',
  ...Object.fromEntries(
    ['HUBSPOT', 'STRIPE', 'MIXPANEL', 'ERP'].flatMap((vendor) => [
      [`${vendor}_TIMEOUT_MS`, '500'],
      [`${vendor}_BREAKER_HALF_OPEN_MS`, String(HALF_OPEN_MS)],
      [`${vendor}_BREAKER_THRESHOLD`, String(BREAKER_THRESHOLD)],
    ]),
  ),
};

export type EmulatorName = 'hubspot' | 'stripe' | 'mixpanel' | 'erp-soap';
export type ChaosEmulators = {
  hubspot?: HubSpotEmulator;
  stripe?: StripeEmulator;
  mixpanel?: MixpanelEmulator;
  'erp-soap'?: ErpSoapEmulator;
};
/** What the matrix needs of a running stack (the launcher's Stack and the testkit's TestStack both fit). */
export type ChaosStack = { gatewayUrl: string; emulators: ChaosEmulators };

export type Vendor = {
  emulator: EmulatorName;
  /** `extensions.upstream` of its errors. */
  upstream: string;
  /** The response paths this vendor's data fills; a fault may null these and only these. */
  owns: string[][];
};

export const VENDORS: readonly Vendor[] = [
  { emulator: 'hubspot', upstream: 'hubspot', owns: [['a'], ['b']] },
  {
    emulator: 'stripe',
    upstream: 'stripe',
    owns: [
      ['a', 'billing'],
      ['b', 'billing'],
    ],
  },
  {
    emulator: 'mixpanel',
    upstream: 'mixpanel',
    owns: [
      ['a', 'activity'],
      ['b', 'activity'],
    ],
  },
  { emulator: 'erp-soap', upstream: 'erp', owns: [['a', 'orders'], ['b', 'orders'], ['product']] },
];

export type Fault = {
  name: string;
  rule: FaultRule;
  /** The error codes a query under this fault may carry for the faulted vendor. */
  codes: readonly string[];
};

export const FAULTS: readonly Fault[] = [
  { name: '500', rule: { status: 500 }, codes: ['UPSTREAM_UNAVAILABLE', 'CIRCUIT_OPEN'] },
  { name: '502', rule: { status: 502 }, codes: ['UPSTREAM_UNAVAILABLE', 'CIRCUIT_OPEN'] },
  { name: '503', rule: { status: 503 }, codes: ['UPSTREAM_UNAVAILABLE', 'CIRCUIT_OPEN'] },
  { name: '429 without Retry-After', rule: { status: 429 }, codes: ['UPSTREAM_RATE_LIMITED'] },
  { name: '429 Retry-After 5 s', rule: { status: 429, retryAfter: 5 }, codes: ['UPSTREAM_RATE_LIMITED'] },
  { name: 'latency 3 s (past the deadline)', rule: { latencyMs: 3000 }, codes: ['UPSTREAM_TIMEOUT', 'CIRCUIT_OPEN'] },
  { name: 'hanging request', rule: { hang: true }, codes: ['UPSTREAM_TIMEOUT', 'CIRCUIT_OPEN'] },
  // UPSTREAM_TIMEOUT too: the Stripe SDK repeats a request on a closed connection once, after a backoff, even
  // with its retries off (stripe-node's _shouldRetry), and with a short per-attempt timeout that backoff is
  // what the timeout catches.
  { name: 'connection reset', rule: { reset: true }, codes: ['UPSTREAM_UNAVAILABLE', 'UPSTREAM_TIMEOUT', 'CIRCUIT_OPEN'] },
  { name: 'malformed body', rule: { malformed: true }, codes: ['UPSTREAM_UNAVAILABLE', 'CIRCUIT_OPEN'] },
];

/** Two customers present in all four systems, and a product: every vendor has a part in the answer. */
export const CHAOS_QUERY = `query Chaos($a: EmailAddress!, $b: EmailAddress!, $product: ID!, $since: DateTime!, $until: DateTime!) {
  a: customerByEmail(email: $a) { ...View }
  b: customerByEmail(email: $b) { ...View }
  product(number: $product) { number description }
}
fragment View on Customer {
  id email lastName erpCustomerNumber
  billing { id }
  orders(first: 3) { nodes { number } }
  activity(first: 3, since: $since, until: $until) { totalCount }
}`;

/** The query's variables: nullable root fields only, so one vendor's failure cannot null another's data. */
export function chaosVariables(): Record<string, string> {
  const people = seedPeople().filter((person) => person.inStripe && person.inMixpanel && person.erpCustomerNo);
  return { a: people[0]!.email, b: people[1]!.email, product: '1000', since: '2026-05-01T00:00:00Z', until: '2026-11-01T00:00:00Z' };
}

export type GraphQLError = { message: string; path?: Array<string | number>; extensions?: Record<string, unknown> };
export type QueryResult = { status: number; ms: number; data: Record<string, unknown> | null | undefined; errors: GraphQLError[] };

export async function runQuery(stack: ChaosStack, variables: Record<string, string>): Promise<QueryResult> {
  const started = performance.now();
  const response = await fetch(`${stack.gatewayUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: CHAOS_QUERY, variables }),
  });
  const body = (await response.json()) as { data?: Record<string, unknown> | null; errors?: GraphQLError[] };
  return { status: response.status, ms: performance.now() - started, data: body.data, errors: body.errors ?? [] };
}

export const emulatorOf = (stack: ChaosStack, vendor: Vendor): Emulator => {
  const emulator = stack.emulators[vendor.emulator];
  if (!emulator) throw new Error(`the chaos stack has no ${vendor.emulator} emulator (is a real vendor configured?)`);
  return emulator;
};

/** The data with a vendor's paths removed: what must stay exactly as in the fault-free answer. */
export function withoutOwned(data: Record<string, unknown> | null | undefined, vendor: Vendor): unknown {
  const copy = structuredClone(data ?? null) as Record<string, unknown> | null;
  if (!copy) return copy;
  for (const path of vendor.owns) {
    let node: unknown = copy;
    for (const key of path.slice(0, -1)) node = node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
    if (node && typeof node === 'object') delete (node as Record<string, unknown>)[path.at(-1)!];
  }
  return copy;
}

/**
 * Lifts every fault and waits until the vendor answers again: past the half-open delay, a query's probe call
 * closes the circuit. Resolves with the number of queries it took; throws when the vendor does not recover.
 */
export async function recover(stack: ChaosStack, vendor: Vendor, variables: Record<string, string>, budgetMs = 5000): Promise<number> {
  emulatorOf(stack, vendor).faults.clear();
  const until = Date.now() + budgetMs;
  for (let tries = 1; ; tries++) {
    const result = await runQuery(stack, variables);
    if (result.errors.length === 0) return tries;
    if (Date.now() > until)
      throw new Error(`${vendor.emulator} did not recover within ${budgetMs} ms: ${JSON.stringify(result.errors.slice(0, 2))}`);
    await new Promise((resolve) => setTimeout(resolve, HALF_OPEN_MS / 3));
  }
}

export type CellResult = {
  vendor: Vendor;
  fault: Fault;
  results: QueryResult[];
  /** Requests the vendor's emulator received during the cell. */
  vendorCalls: number;
};

/** One matrix cell: the fault on one vendor, `queries` queries one after another, then the fault lifted. */
export async function runCell(
  stack: ChaosStack,
  vendor: Vendor,
  fault: Fault,
  variables: Record<string, string>,
  queries: number,
): Promise<CellResult> {
  const emulator = emulatorOf(stack, vendor);
  const before = emulator.requests.count();
  emulator.faults.set([fault.rule]);
  const results: QueryResult[] = [];
  try {
    for (let i = 0; i < queries; i++) results.push(await runQuery(stack, variables));
  } finally {
    emulator.faults.clear();
  }
  return { vendor, fault, results, vendorCalls: emulator.requests.count() - before };
}

/** Nearest-rank percentile of a list of numbers. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? 0;
}

/** The error codes of a result, with their count, e.g. `CIRCUIT_OPEN x4, UPSTREAM_TIMEOUT x2`. */
export function codeSummary(results: readonly QueryResult[]): string {
  const counts = new Map<string, number>();
  for (const result of results) {
    for (const error of result.errors) {
      const code = String(error.extensions?.code ?? 'none');
      counts.set(code, (counts.get(code) ?? 0) + 1);
    }
  }
  return (
    [...counts]
      .sort()
      .map(([code, count]) => `${code} x${count}`)
      .join(', ') || 'none'
  );
}

/**
 * Connected TCP sockets in this process (both ends of every connection: the whole stack runs here). Idle
 * keep-alive sockets count too, so the measure is taken after the same fault-free query each time and compared
 * for growth, not for zero: a socket leaked by an attempt the policy gave up on (a hanging vendor) would stay
 * connected and add up over the cells.
 */
export function openSockets(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === 'TCPSocketWrap').length;
}
