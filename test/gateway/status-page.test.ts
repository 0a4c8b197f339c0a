import { describe, expect, it } from 'vitest';
import { renderStatusPage, sparkline } from '../../gateway/status-page.js';
import { vendorCards, vendorState, type StatusReport } from '../../gateway/status.js';

describe('vendorState', () => {
  it('is breaker open when the circuit is open or isolated', () => {
    expect(vendorState({ breaker: 'open' }).state).toBe('breaker open');
    expect(vendorState({ breaker: 'isolated' }).state).toBe('breaker open');
  });
  it('is degraded while the circuit probes, or when a fifth of the last attempts failed', () => {
    expect(vendorState({ breaker: 'half-open' }).state).toBe('degraded');
    expect(vendorState({ breaker: 'closed', lastAttempts: { attempts: 20, errorRate: 0.2 } })).toEqual({
      state: 'degraded',
      reason: '20% of the last 20 attempts failed',
    });
    expect(vendorState({ breaker: 'closed', lastAttempts: { attempts: 20, errorRate: 0.15 } }).state).toBe('healthy');
    expect(vendorState({ breaker: 'closed' })).toEqual({ state: 'healthy', reason: 'no calls yet' });
  });
});

describe('vendorCards', () => {
  it('lists an unreachable subgraph as its own card, and reads quota and errors of the others', () => {
    const cards = vendorCards({
      status: 'degraded',
      subgraphs: [
        { subgraph: 'crm', reachable: false, error: 'no answer within 1000 ms' },
        {
          subgraph: 'payments',
          reachable: true,
          upstreams: [
            {
              upstream: 'stripe',
              breaker: 'closed',
              inFlight: 2,
              queued: 0,
              recent: { attempts: 3, errorRate: 0, p50Ms: 12, p99Ms: 40 },
              quota: { default: { remaining: 97, resetsInMs: 400 } },
              lastErrors: [{ at: '2026-11-30T04:00:00.000Z', endpoint: 'customers.search', code: 'UPSTREAM_TIMEOUT', message: 'slow' }],
            },
          ],
        },
      ],
    });
    expect(cards.map((card) => [card.vendor, card.state])).toEqual([
      ['crm', 'unreachable'],
      ['stripe', 'healthy'],
    ]);
    expect(cards[1]).toMatchObject({
      inFlight: 2,
      quota: [{ bucket: 'default', remaining: 97, resetsInMs: 400 }],
      recent: { p50Ms: 12, p99Ms: 40 },
    });
    expect(cards[1]!.lastErrors).toHaveLength(1);
  });
});

describe('renderStatusPage', () => {
  const report: StatusReport = {
    generatedAt: '2026-11-30T04:00:00.000Z',
    overall: 'degraded',
    vendors: vendorCards({
      status: 'degraded',
      subgraphs: [
        {
          subgraph: 'payments',
          reachable: true,
          upstreams: [
            {
              upstream: 'stripe',
              breaker: 'closed',
              lastErrors: [{ at: '2026-11-30T04:00:00.000Z', endpoint: 'x', code: 'UPSTREAM_ERROR', message: '<script>alert(1)</script>' }],
            },
          ],
        },
        { subgraph: 'crm', reachable: true, upstreams: [{ upstream: 'hubspot', breaker: 'open', breakerRetryInMs: 4000 }] },
      ],
    }),
    caches: [{ cache: 'response', hits: 3, misses: 1 }],
    events: undefined,
    slowest: [],
    tracesNote: undefined,
  };
  const html = renderStatusPage(report, { refreshSeconds: 7 });

  it('is one self-contained page that refreshes itself', () => {
    expect(html).toContain('<meta http-equiv="refresh" content="7">');
    expect(html).not.toMatch(/<script|<link|src="http|href="http/);
  });
  it('escapes what vendors said and lists problems first', () => {
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html.indexOf('data-vendor="hubspot"')).toBeLessThan(html.indexOf('data-vendor="stripe"'));
    expect(html).toContain('next probe in 4 s');
    expect(html).toContain('<td>75%</td>');
    expect(html).toContain('Event pipeline: not configured.');
  });
});

describe('renderStatusPage with the event pipeline', () => {
  const base: StatusReport = {
    generatedAt: '2026-11-30T04:00:00.000Z',
    overall: 'ok',
    vendors: [],
    caches: [],
    events: undefined,
    slowest: [],
    tracesNote: undefined,
  };
  const events = {
    counts: { pending: 2, applied: 40, stale: 1, failed: 1, dead: 3 },
    backlog: 3,
    oldestUnappliedAgeSeconds: 12.5,
    rejections: { stripe: { mismatch: 2 } },
  };

  it('shows counts, backlog and its age, refusals, and a redrive button while events are dead', () => {
    const html = renderStatusPage({ ...base, events }, { refreshSeconds: 10 });
    expect(html).toContain('backlog <b>3</b> · oldest waiting 12.5 s');
    expect(html).toContain('<tr data-status="dead"><td>dead</td><td>3</td></tr>');
    expect(html).toContain('refused deliveries: stripe mismatch: 2');
    expect(html).toContain(
      '<form method="post" action="/status/redrive"><button type="submit" id="redrive">Redrive 3 dead events</button></form>',
    );
    expect(html).not.toContain('not configured');
  });
  it('offers no redrive without dead events, and says what a redrive did', () => {
    const html = renderStatusPage(
      { ...base, events: { ...events, counts: { ...events.counts, dead: 0 }, oldestUnappliedAgeSeconds: undefined } },
      { refreshSeconds: 10, redriven: 3 },
    );
    expect(html).not.toContain('id="redrive"');
    expect(html).toContain('nothing waiting');
    expect(html).toContain('Redriven 3 dead events.');
  });
});

describe('sparkline', () => {
  it('draws defined values as a line scaled to the maximum and leaves gaps for missing ones', () => {
    const svg = sparkline([0, 10, undefined, 5, 10], { label: 'p50', format: String, width: 40, height: 12 });
    expect(svg).toContain('<polyline points="0.0,10.0 10.0,2.0" />');
    expect(svg).toContain('<polyline points="30.0,6.0 40.0,2.0" />');
    expect(svg).toContain('aria-label="p50: 10"');
  });
});
