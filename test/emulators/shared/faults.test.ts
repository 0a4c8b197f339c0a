import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import { FaultRuleError, type FaultRule } from '../../../emulators/shared/faults.js';
import type { Emulator } from '../../../emulators/shared/server.js';
import { createStripeEmulator } from '../../../emulators/stripe/index.js';
import { failure, send, startTiny } from './testkit.js';

process.env.STRIPE_SUPPRESS_NOTICES = 'true';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

const tiny = async (faults: FaultRule[] = [], options = {}): Promise<Emulator> => (emulator = await startTiny({ faults, ...options }));
const json = (body: string): unknown => JSON.parse(body);

describe('error statuses', () => {
  it('answers every vendor route with the status, in a vendor-neutral JSON error by default', async () => {
    const e = await tiny([{ status: 502 }]);
    for (const path of ['/v1/things/1', '/v1/other', '/nowhere']) {
      const answer = await send(`${e.url}${path}`);
      expect(answer.status).toBe(502);
      expect(answer.headers['content-type']).toMatch(/^application\/json/);
      expect(json(answer.body)).toEqual({ error: { status: 502, message: 'fault injected by the tiny emulator' } });
    }
    expect(e.requests.list().map((entry) => [entry.status, entry.fault])).toEqual([
      [502, 'status 502'],
      [502, 'status 502'],
      [502, 'status 502'],
    ]);
  });

  it('sends Retry-After with a 429 or 503 when asked, and none otherwise', async () => {
    const e = await tiny([
      { route: '/v1/things/1', status: 429, retryAfter: 2 },
      { route: '/v1/other', status: 429 },
    ]);
    const limited = await send(`${e.url}/v1/things/1`);
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('2');
    expect(e.requests.list()[0]?.fault).toBe('status 429 retry-after 2s');
    const bare = await send(`${e.url}/v1/other`);
    expect(bare.status).toBe(429);
    expect(bare.headers['retry-after']).toBeUndefined();
  });

  it('uses the emulator’s own error shape (faultBody) and a rule’s literal body', async () => {
    const e = await tiny(
      [
        { route: '/v1/things/1', status: 500 },
        { route: '/v1/other', status: 503, body: '{"custom":true}' },
      ],
      {
        faultBody: (status: number) => ({ contentType: 'text/xml; charset=utf-8', body: `<fault code="${status}"/>` }),
      },
    );
    const shaped = await send(`${e.url}/v1/things/1`);
    expect(shaped.headers['content-type']).toBe('text/xml; charset=utf-8');
    expect(shaped.body).toBe('<fault code="500"/>');
    expect((await send(`${e.url}/v1/other`)).body).toBe('{"custom":true}');
  });

  it('answers 500 for a rule that says nothing else', async () => {
    const e = await tiny([{ route: 'GET /v1/other' }]);
    expect((await send(`${e.url}/v1/other`)).status).toBe(500);
  });
});

describe('which requests', () => {
  it('matches method and path globs per route, leaving other routes alone', async () => {
    const e = await tiny([{ route: 'POST /v1/things/*/batch/read', status: 503 }]);
    expect((await send(`${e.url}/v1/things/7/batch/read`, 'POST')).status).toBe(503);
    expect((await send(`${e.url}/v1/things/7/batch/read`, 'GET')).status).toBe(404);
    expect((await send(`${e.url}/v1/things/7`)).status).toBe(200);
    expect((await send(`${e.url}/v1/other`)).status).toBe(200);
  });

  it('lets * stay within a segment and ** cross segments', async () => {
    const e = await tiny([{ route: 'GET /v1/*', status: 503 }]);
    expect((await send(`${e.url}/v1/other`)).status).toBe(503);
    expect((await send(`${e.url}/v1/things/1`)).status).toBe(200);
    e.faults.set([{ route: 'get /v1/**', status: 503 }]);
    expect((await send(`${e.url}/v1/things/1`)).status).toBe(503);
  });

  it('takes regular expressions against "METHOD /path", as RegExp or as re: text', async () => {
    const e = await tiny([{ route: /^GET \/v1\/things\/\d+$/, status: 503 }]);
    expect((await send(`${e.url}/v1/things/12`)).status).toBe(503);
    expect((await send(`${e.url}/v1/things/abc`)).status).toBe(200);
    expect(e.faults.list()[0]?.route).toBeInstanceOf(RegExp);
    e.faults.set([{ route: 're:^POST ', status: 502 }]);
    expect((await send(`${e.url}/v1/things/1/batch/read`, 'POST')).status).toBe(502);
    expect((await send(`${e.url}/v1/things/1`)).status).toBe(200);
  });

  it('applies a rule `times` times only, and counts what it applied', async () => {
    const e = await tiny([{ status: 503, times: 2 }]);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await send(`${e.url}/v1/other`)).status);
    expect(statuses).toEqual([503, 503, 200, 200]);
    expect(e.faults.list()).toEqual([{ status: 503, times: 2, applied: 2 }]);
    expect(e.requests.list().map((entry) => entry.fault)).toEqual(['status 503', 'status 503', undefined, undefined]);
  });

  it('hits a share of requests with `rate`, the same share on every run (seeded PRNG)', async () => {
    const e = await tiny([{ status: 503, rate: 0.5 }]);
    const run = async (): Promise<number[]> => {
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) statuses.push((await send(`${e.url}/v1/other`)).status);
      return statuses;
    };
    const first = await run();
    const hits = first.filter((status) => status === 503).length;
    expect(hits).toBeGreaterThan(3);
    expect(hits).toBeLessThan(17);
    // set() restarts the PRNG: the same rules give the same sequence.
    e.faults.set([{ status: 503, rate: 0.5 }]);
    expect(await run()).toEqual(first);
    e.faults.set([{ status: 503, rate: 0 }]);
    expect((await run()).every((status) => status === 200)).toBe(true);
  });

  it('lets the first matching rule that hits win, one rule per request', async () => {
    const e = await tiny([{ route: '/v1/other', status: 502, times: 1 }, { status: 503 }]);
    expect((await send(`${e.url}/v1/other`)).status).toBe(502);
    expect((await send(`${e.url}/v1/other`)).status).toBe(503);
  });

  it('never touches the admin routes, even with a catch-all rule', async () => {
    const e = await tiny([{ status: 503 }, { route: 're:.*', reset: true }]);
    const log = await send(`${e.url}/_emulator/requests`);
    expect(log.status).toBe(200);
    expect((await send(`${e.url}/_emulator/faults`)).status).toBe(200);
    expect(e.requests.count()).toBe(0);
  });
});

describe('latency, hangs, resets and malformed bodies', () => {
  it('adds fixed latency, then serves the vendor route', async () => {
    const e = await tiny([{ route: '/v1/things/*', latencyMs: 120 }]);
    const started = Date.now();
    const answer = await send(`${e.url}/v1/things/5`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(115);
    expect(answer.status).toBe(200);
    expect(json(answer.body)).toEqual({ id: '5', object: 'thing' });
    expect(e.requests.list()[0]).toMatchObject({ status: 200, fault: 'latency 120ms' });
  });

  it('adds random latency within its range, then the fault', async () => {
    const e = await tiny([{ latencyMs: { min: 30, max: 60 }, status: 503 }]);
    for (let i = 0; i < 3; i++) {
      const started = Date.now();
      expect((await send(`${e.url}/v1/other`)).status).toBe(503);
      expect(Date.now() - started).toBeGreaterThanOrEqual(28);
    }
    for (const entry of e.requests.list()) {
      const [, ms] = /^latency (\d+)ms \+ status 503$/.exec(entry.fault ?? '') ?? [];
      expect(Number(ms)).toBeGreaterThanOrEqual(30);
      expect(Number(ms)).toBeLessThanOrEqual(60);
    }
  });

  it('hangs until the client gives up, and logs the request with status 0', async () => {
    const e = await tiny([{ route: '/v1/other', hang: true }]);
    const error = await failure(send(`${e.url}/v1/other`, 'GET', { timeoutMs: 150 }));
    expect(error.code).toBe('CLIENT_TIMEOUT');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(e.requests.list()).toEqual([expect.objectContaining({ path: '/v1/other', status: 0, fault: 'hang' })]);
    expect((await send(`${e.url}/v1/things/1`)).status).toBe(200);
  });

  it('ends hung requests when the emulator closes: the client sees the connection go', async () => {
    const e = await tiny([{ hang: true }]);
    const pending = failure(send(`${e.url}/v1/other`));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await e.close();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect((await pending).code).toBe('ECONNRESET');
  });

  it('does not keep the process alive after close (hung request and pending latency)', async () => {
    const fixture = fileURLToPath(new URL('./fixtures/hang-then-close.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', fixture], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(null);
      }, 10_000);
      child.on('exit', (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual(['/hang: ECONNRESET', '/slow: ECONNRESET']);
  }, 15_000);

  it('resets the connection: the client gets ECONNRESET, not an answer', async () => {
    const e = await tiny([{ route: '/v1/other', reset: true }]);
    const error = await failure(send(`${e.url}/v1/other`));
    expect(error.code).toBe('ECONNRESET');
    const viaFetch = await failure(fetch(`${e.url}/v1/other`));
    expect(viaFetch).toBeInstanceOf(TypeError);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(e.requests.list().map((entry) => [entry.status, entry.fault])).toEqual([
      [0, 'reset'],
      [0, 'reset'],
    ]);
  });

  it('answers 200 with a body cut short, in the emulator’s content type', async () => {
    const e = await tiny([{ route: '/v1/other', malformed: true }]);
    const answer = await send(`${e.url}/v1/other`);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expect(Number(answer.headers['content-length'])).toBe(Buffer.byteLength(answer.body));
    expect(() => JSON.parse(answer.body)).toThrow();
    expect(e.requests.list()[0]).toMatchObject({ status: 200, fault: 'malformed' });

    await e.close();
    const envelope = '<soap:Envelope><soap:Body><ok/></soap:Body></soap:Envelope>';
    emulator = await startTiny({
      faults: [{ malformed: true }],
      faultBody: () => ({ contentType: 'text/xml; charset=utf-8', body: envelope }),
    });
    const xml = await send(`${emulator.url}/v1/other`);
    expect(xml.headers['content-type']).toBe('text/xml; charset=utf-8');
    expect(xml.body).toBe(envelope.slice(0, envelope.length / 2));
    expect(xml.body).toBe('<soap:Envelope><soap:Body><ok');
  });
});

describe('admin routes and the controller', () => {
  it('lists, replaces and clears the rules at run time', async () => {
    const e = await tiny();
    const base = `${e.url}/_emulator/faults`;
    expect(await (await fetch(base)).json()).toEqual({ emulator: 'tiny', faults: [] });

    const put = await fetch(base, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ route: 'GET /v1/other', status: 503, retryAfter: 1, times: 1 }]),
    });
    expect(put.status).toBe(200);
    expect(await put.json()).toEqual({
      emulator: 'tiny',
      faults: [{ route: 'GET /v1/other', status: 503, retryAfter: 1, times: 1, applied: 0 }],
    });
    expect((await send(`${e.url}/v1/other`)).status).toBe(503);
    expect(await (await fetch(base)).json()).toMatchObject({ faults: [{ applied: 1 }] });

    expect((await fetch(base, { method: 'DELETE' })).status).toBe(204);
    expect(e.faults.list()).toEqual([]);
  });

  it('shows RegExp routes in their re: form', async () => {
    const e = await tiny([{ route: /^GET \/v1/, status: 500 }]);
    expect(await (await fetch(`${e.url}/_emulator/faults`)).json()).toMatchObject({ faults: [{ route: 're:^GET \\/v1' }] });
  });

  it('answers clear 400s for bodies that are not valid rules, and keeps the old rules', async () => {
    const e = await tiny([{ status: 502 }]);
    const put = (body: string) =>
      fetch(`${e.url}/_emulator/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body });
    const cases: Array<[string, RegExp]> = [
      ['[{"status": 503', /must be a JSON array of fault rules/],
      ['{"status": 503}', /expected array/i],
      ['[{"lattency": 5}]', /0: .*lattency/i],
      ['[{"status": 200}]', /0\.status/],
      ['[{"status": 500, "retryAfter": 3}]', /0\.retryAfter: retryAfter goes with status 429 or 503/],
      ['[{"hang": true, "reset": true}]', /choose one of status, hang, reset, malformed/],
      ['[{"rate": 1.5}]', /0\.rate/],
      ['[{"route": "customers"}]', /0\.route: expected '\[METHOD\] \/path\/glob'/],
      ['[{"route": "re:(("}]', /0\.route: not a valid regular expression/],
      ['[{"latencyMs": {"min": 50, "max": 10}}]', /min must not exceed max/],
      ['[{"times": 0}]', /0\.times/],
    ];
    for (const [body, message] of cases) {
      const answer = await put(body);
      expect(answer.status, body).toBe(400);
      expect(((await answer.json()) as { error: string }).error, body).toMatch(message);
    }
    expect(e.faults.list()).toEqual([{ status: 502, applied: 0 }]);
  });

  it('validates rules set from code too', async () => {
    const e = await tiny();
    expect(() => e.faults.set([{ status: 302 }])).toThrow(FaultRuleError);
    expect(() => e.faults.set([{ route: 'GET nowhere' }])).toThrow(/0\.route/);
  });
});

describe('a real emulator under the vendor SDK', () => {
  it('the Stripe SDK sees an injected 503, then a malformed body, then the real answer', async () => {
    const stripeEmulator = createStripeEmulator({ seedData: false, faults: [{ route: 'GET /v1/customers', status: 503, times: 1 }] });
    emulator = stripeEmulator;
    const url = new URL(await stripeEmulator.listen(0));
    const stripe = new Stripe('sk_test_emulator', {
      host: '127.0.0.1',
      port: Number(url.port),
      protocol: 'http',
      maxNetworkRetries: 0,
      telemetry: false,
    });

    const unavailable = (await failure(stripe.customers.list())) as Stripe.errors.StripeError;
    expect(unavailable).toBeInstanceOf(Stripe.errors.StripeError);
    expect(unavailable.statusCode).toBe(503);

    stripeEmulator.faults.set([{ route: 'GET /v1/customers', malformed: true, times: 1 }]);
    const garbled = (await failure(stripe.customers.list())) as Stripe.errors.StripeError;
    expect(garbled).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(garbled.message).toMatch(/invalid json/i);

    await expect(stripe.customers.list()).resolves.toMatchObject({ object: 'list' });
    expect(stripeEmulator.requests.list({ path: '/v1/customers' }).map((entry) => [entry.status, entry.fault])).toEqual([
      [503, 'status 503'],
      [200, 'malformed'],
      [200, undefined],
    ]);
  });
});
