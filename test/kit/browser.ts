/**
 * A real browser for page tests: Debian's Chromium driven by playwright-core, headless, with a fresh profile.
 * Where Chromium is not installed a test may skip on a laptop, but under CI=true that is a failure (.ci/run
 * installs it).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Throws under CI when Chromium is missing; elsewhere returns false so the caller can skip. */
export function requireChromium(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI)
    throw new Error(`${CHROMIUM} is missing, and CI=true requires the browser tests to run (apt-get install -y chromium)`);
  return false;
}

export type Browser = { context: BrowserContext; close(): Promise<void> };

/** Launches Chromium headless with the flags this kind of machine needs (no sandbox, GPU, or background traffic). */
export async function launchBrowser(viewport = { width: 1100, height: 900 }): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'interchange-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
