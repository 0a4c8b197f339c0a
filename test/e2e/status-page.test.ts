import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedPeople } from '../../emulators/shared/people.js';
import { launchBrowser, requireChromium, type Browser } from '../kit/browser.js';
import { startTestStack, type TestStack } from '../kit/stack.js';

const ADMIN_TOKEN = 'admin-token-0123456789abcdef';
/** Where `npm run report:status` has the test save its screenshot of the degraded page. */
const SCREENSHOT = process.env.STATUS_SCREENSHOT;
const person = seedPeople().find((p) => p.inStripe && p.inMixpanel && p.erpCustomerNo)!;
const CUSTOMER =
  'query Billing($email: EmailAddress!) { customerByEmail(email: $email) { email company { name } billing { balance { formatted } invoices(first: 3) { nodes { number } } } lastSeenAt(since: "2026-05-01T00:00:00Z") orders(first: 2) { nodes { number } } } }';

const run = requireChromium();
let stack: TestStack;
let browser: Browser;

beforeAll(async () => {
  if (!run) return;
  // The response cache off, so every query reaches the vendors; a short open circuit, so recovery is quick.
  stack = await startTestStack({ ADMIN_TOKEN, RESPONSE_CACHE: 'false', STRIPE_BREAKER_HALF_OPEN_MS: '1000' });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

const stripeFaults = (method: 'PUT' | 'DELETE', rules?: unknown) =>
  fetch(`${stack.emulators.stripe!.url}/_emulator/faults`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(rules ? { body: JSON.stringify(rules) } : {}),
  }).then((response) => expect(response.ok).toBe(true));

describe.skipIf(!run)('/status in Chromium', () => {
  it('asks for the admin token', async () => {
    const page = await browser.context.newPage();
    const response = await page.goto(`${stack.gatewayUrl}/status`);
    expect(response?.status()).toBe(401);
    await page.close();
  });

  it('shows a vendor turning breaker-open under an injected fault and healthy again after recovery', async () => {
    const page = await browser.context.newPage();
    // The token once in the URL; the page's own refreshes then go by its HttpOnly cookie.
    await page.goto(`${stack.gatewayUrl}/status?token=${ADMIN_TOKEN}`);
    const stripe = page.locator('[data-vendor="stripe"]');
    for (let i = 0; i < 3; i++) expect((await stack.query(CUSTOMER, { email: person.email })).errors).toBeUndefined();
    await page.goto(`${stack.gatewayUrl}/status?refresh=1`);
    await expect.poll(() => stripe.getAttribute('data-state')).toBe('healthy');
    for (const vendor of ['hubspot', 'mixpanel', 'erp'])
      expect(await page.locator(`[data-vendor="${vendor}"]`).getAttribute('data-state')).toBe('healthy');
    expect(await page.locator('#events').textContent()).toMatch(/not configured/);

    // Stripe answers 503 to everything: retries, then five failed attempts in a row open the circuit.
    await stripeFaults('PUT', [{ route: '/v1/**', status: 503 }]);
    for (let i = 0; i < 3; i++) {
      const result = await stack.query(CUSTOMER, { email: person.email });
      expect(result.data).toMatchObject({ customerByEmail: { email: person.email } });
      expect(result.errors?.every((error) => error.extensions?.upstream === 'stripe')).toBe(true);
    }
    // The page refreshes itself (every second here): no reload by the test.
    await expect.poll(() => stripe.getAttribute('data-state'), { timeout: 10_000 }).toBe('breaker open');
    expect(await stripe.locator('.badge').textContent()).toBe('breaker open');
    expect(await stripe.locator('.errors li').first().textContent()).toMatch(/UPSTREAM_UNAVAILABLE|CIRCUIT_OPEN/);
    expect(await page.locator('#overall').textContent()).toMatch(/need attention/);
    expect(await page.locator('[data-vendor="hubspot"]').getAttribute('data-state')).toBe('healthy');

    if (SCREENSHOT) {
      const still = await browser.context.newPage();
      await still.goto(`${stack.gatewayUrl}/status?refresh=300`);
      await still.locator('details.trace summary').first().click();
      await still.screenshot({ path: resolve(SCREENSHOT), fullPage: true });
      await still.close();
    }

    // Recovery: the fault goes, the circuit lets a probe through after a second, and fresh successes push the
    // failures out of the last attempts the state is judged on.
    await stripeFaults('DELETE');
    await new Promise((done) => setTimeout(done, 1100));
    await expect
      .poll(
        async () => {
          for (let i = 0; i < 5; i++) await stack.query(CUSTOMER, { email: person.email });
          return stripe.getAttribute('data-state');
        },
        { timeout: 20_000, interval: 1000 },
      )
      .toBe('healthy');
    expect(await page.locator('#overall').textContent()).toMatch(/All vendors healthy/);
    await page.close();
  });

  it('is readable on a phone: nothing wider than the screen, and the slowest operation opens as a waterfall', async () => {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${stack.gatewayUrl}/status?refresh=300`);
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await page.locator('details.trace summary').first().click();
    const rows = page.locator('details.trace[open] .waterfall .span');
    expect(await rows.count()).toBeGreaterThan(3);
    expect(await rows.first().locator('.name').textContent()).toMatch(/^query Billing/);
    await page.close();
  });
});
