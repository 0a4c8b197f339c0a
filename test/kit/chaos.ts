/**
 * The chaos matrix as vitest tests, one vendor per file (test/e2e/chaos-<vendor>.test.ts) so the four run in
 * parallel forks. The matrix itself (faults, query, cells) is bench/chaos/matrix.ts, shared with bench:chaos.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BREAKER_THRESHOLD,
  CHAOS_ENV,
  DEADLINE_MS,
  FAULTS,
  HALF_OPEN_MS,
  VENDORS,
  chaosVariables,
  emulatorOf,
  openSockets,
  recover,
  runCell,
  runQuery,
  withoutOwned,
  type QueryResult,
  type Vendor,
} from '../../bench/chaos/matrix.js';
import { startTestStack, type TestStack } from './stack.js';

/** What a response may take beyond the request deadline: the gateway's own work, on a busy 2-core machine. */
export const MARGIN_MS = 700;
/** Connected sockets (both ends) a vendor sweep may add: its keep-alive pool growing by a connection or three. */
const SOCKET_SLACK = 6;
/** Two are enough to see both the vendor's fault (first) and the open circuit (second) in most cells. */
const QUERIES_PER_CELL = 2;

export type UpstreamsReport = {
  status: string;
  subgraphs: Array<{ subgraph: string; reachable: boolean; upstreams?: Array<{ upstream: string; breaker: string }> }>;
};

export async function upstreamState(stack: TestStack, upstream: string): Promise<{ upstream: string; breaker: string } | undefined> {
  const report = (await (await fetch(`${stack.gatewayUrl}/health/upstreams`)).json()) as UpstreamsReport;
  return report.subgraphs.flatMap((subgraph) => subgraph.upstreams ?? []).find((state) => state.upstream === upstream);
}

const isOwned = (vendor: Vendor, path: Array<string | number> | undefined): boolean =>
  vendor.owns.some((owned) => owned.every((key, index) => path?.[index] === key));

export function describeChaosMatrix(emulator: Vendor['emulator']): void {
  const vendor = VENDORS.find((candidate) => candidate.emulator === emulator)!;
  const variables = chaosVariables();
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };
  let stack: TestStack;
  let baseline: QueryResult;
  let socketsBefore: number;

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    stack = await startTestStack(CHAOS_ENV);
    // Warm: the first query pays for JIT and connection set-up; the second is the reference answer.
    await runQuery(stack, variables);
    baseline = await runQuery(stack, variables);
    socketsBefore = openSockets();
  });
  afterAll(async () => {
    await stack?.close();
    process.off('unhandledRejection', onUnhandled);
  });

  describe(`chaos: ${emulator}`, () => {
    it('answers fully without faults: the reference answer', () => {
      expect(baseline.errors).toEqual([]);
      const data = baseline.data as {
        a: { billing: unknown; orders: { nodes: unknown[] }; activity: { totalCount: number } };
        product: unknown;
      };
      expect(data.a.billing).not.toBeNull();
      expect(data.a.activity.totalCount).toBeGreaterThan(0);
      expect(data.product).not.toBeNull();
    });

    for (const fault of FAULTS) {
      it(`${fault.name}: in time, the others' data intact, typed errors, then recovery`, async () => {
        const cell = await runCell(stack, vendor, fault, variables, QUERIES_PER_CELL);
        for (const result of cell.results) {
          expect(result.status).toBe(200);
          expect(result.ms).toBeLessThan(DEADLINE_MS + MARGIN_MS);
          // Every other vendor's part exactly as without the fault.
          expect(withoutOwned(result.data, vendor)).toEqual(withoutOwned(baseline.data, vendor));
          expect(result.errors.length).toBeGreaterThan(0);
          for (const error of result.errors) {
            expect(error.extensions?.upstream).toBe(vendor.upstream);
            expect(fault.codes).toContain(error.extensions?.code);
            expect(isOwned(vendor, error.path)).toBe(true);
            if (error.extensions?.code === 'UPSTREAM_RATE_LIMITED') expect(error.extensions.retryAfter).toBeGreaterThanOrEqual(1);
          }
        }
        // Recovers by itself once the fault is lifted (a probe after the half-open delay closes the circuit).
        await recover(stack, vendor, variables);
        expect(await runQuery(stack, variables)).toMatchObject({ errors: [], data: baseline.data });
        // Attempts given up on closed their sockets: no growth beyond the keep-alive pools' own.
        expect(openSockets()).toBeLessThanOrEqual(socketsBefore + SOCKET_SLACK);
      });
    }

    it('opens the circuit after its threshold, makes no vendor call while open, and closes after the half-open delay', async () => {
      const log = emulatorOf(stack, vendor).requests;
      const before = log.count();
      emulatorOf(stack, vendor).faults.set([{ status: 503 }]);
      let opened = false;
      for (let i = 0; i < 6 && !opened; i++) {
        const result = await runQuery(stack, variables);
        opened = result.errors.some((error) => error.extensions?.code === 'CIRCUIT_OPEN');
      }
      expect(opened).toBe(true);
      // The breaker counts attempts: it opened once `threshold` of them had failed in a row.
      const callsWhenOpened = log.count() - before;
      expect(callsWhenOpened).toBeGreaterThanOrEqual(BREAKER_THRESHOLD);
      expect(await upstreamState(stack, vendor.upstream)).toMatchObject({ breaker: 'open' });

      // While open: queries fail fast with CIRCUIT_OPEN (and retryAfter), and the vendor sees nothing but the
      // breaker's own probes: at most one per half-open delay that has passed. Three at once, so the phase
      // usually fits in one delay; on a busy machine it may not, and then a probe (refused by the still-faulty
      // vendor, reopening the circuit) is the breaker working as designed, not a leak.
      const openPhaseStarted = Date.now();
      const whileOpen = await Promise.all([1, 2, 3].map(() => runQuery(stack, variables)));
      const probesAllowed = Math.floor((Date.now() - openPhaseStarted) / HALF_OPEN_MS);
      for (const result of whileOpen) {
        // Well inside the request deadline (a generous margin on a busy machine); that no attempt was made is
        // what the request log below proves.
        expect(result.ms).toBeLessThan(DEADLINE_MS);
        for (const error of result.errors) {
          expect(error.extensions).toMatchObject({ upstream: vendor.upstream });
          if (probesAllowed === 0) expect(error.extensions).toMatchObject({ code: 'CIRCUIT_OPEN', retryAfter: 1 });
        }
      }
      expect(log.count() - before - callsWhenOpened).toBeLessThanOrEqual(probesAllowed);

      // The vendor is back: after the half-open delay one probe goes through and closes the circuit.
      emulatorOf(stack, vendor).faults.clear();
      await new Promise((resolve) => setTimeout(resolve, HALF_OPEN_MS + 50));
      expect(await runQuery(stack, variables)).toMatchObject({ errors: [], data: baseline.data });
      expect(await upstreamState(stack, vendor.upstream)).toMatchObject({ breaker: 'closed' });
    });

    it('had no unhandled rejection', () => {
      expect(unhandled).toEqual([]);
    });
  });
}
