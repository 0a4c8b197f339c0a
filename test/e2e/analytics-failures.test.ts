import { afterEach, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../kit/stack.js';

let stack: TestStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const QUERY = `{
  customers(first: 3) {
    nodes { id email firstName company { name } activity(first: 2, since: "2026-10-01T00:00:00Z", until: "2026-11-01T00:00:00Z") { totalCount } }
  }
}`;

type Result = {
  customers: {
    nodes: Array<{
      id: string;
      email: string;
      firstName: string;
      company: { name: string } | null;
      activity: { totalCount: number } | null;
    }>;
  };
};

describe('Mixpanel failures through the gateway', () => {
  it('gives UPSTREAM_RATE_LIMITED with retryAfter on the analytics fields only, the CRM fields intact', async () => {
    // An emulator that takes one export an hour: the second query meets Mixpanel's hourly quota.
    stack = await startTestStack({ MIXPANEL_EMULATOR_EXPORT_PER_HOUR: '1', MIXPANEL_MAX_WINDOW_DAYS: '36500' });
    const first = await stack.query<Result>(QUERY);
    expect(first.errors).toBeUndefined();
    const limited = await stack.query<Result>(QUERY);
    expect(limited.status).toBe(200);
    const nodes = limited.data!.customers.nodes;
    expect(nodes).toHaveLength(3);
    expect(nodes.map(({ activity: _activity, ...crm }) => crm)).toEqual(
      first.data!.customers.nodes.map(({ activity: _activity, ...crm }) => crm),
    );
    for (const node of nodes) {
      expect(node.email).toContain('@');
      expect(node.activity).toBeNull();
    }
    expect(limited.errors).toHaveLength(3);
    for (const [index, error] of limited.errors!.entries()) {
      expect(error.path).toEqual(['customers', 'nodes', index, 'activity']);
      expect(error.extensions).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', upstream: 'mixpanel' });
      expect(error.extensions!.retryAfter).toBeGreaterThan(3000);
    }
    expect(stack.emulators.mixpanel!.requests.list({ path: '/api/2.0/export' }).map((request) => request.status)).toEqual([200, 429]);
  });

  it('gives UPSTREAM_ERROR when Mixpanel refuses the credentials, and keeps the CRM fields', async () => {
    stack = await startTestStack({
      MIXPANEL_SERVICE_ACCOUNT_USERNAME: 'emulator.sa',
      MIXPANEL_SERVICE_ACCOUNT_SECRET: 'not-the-secret',
      MIXPANEL_MAX_WINDOW_DAYS: '36500',
    });
    const result = await stack.query<Result>(QUERY);
    expect(result.data!.customers.nodes.every((node) => node.id && node.email && node.activity === null)).toBe(true);
    expect(result.errors!.length).toBeGreaterThan(0);
    for (const error of result.errors!) {
      expect(error.extensions).toMatchObject({ code: 'UPSTREAM_ERROR', upstream: 'mixpanel' });
      expect(error.message).toMatch(/credentials/);
      expect(error.message).not.toContain('not-the-secret');
    }
    const mutation = await stack.query<{ trackEvents: unknown }>(
      'mutation { trackEvents(events: [{ name: "Login", distinctId: "x@example.com", time: "2026-11-20T00:00:00Z" }]) { accepted } }',
    );
    expect(mutation.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_ERROR', upstream: 'mixpanel' });
    expect(JSON.stringify(stack.logLines)).not.toContain('not-the-secret');
  });
});
