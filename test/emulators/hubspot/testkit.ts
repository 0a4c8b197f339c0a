import { Client } from '@hubspot/api-client';
import { createHubSpotEmulator, type HubSpotEmulator, type HubSpotEmulatorOptions } from '../../../emulators/hubspot/index.js';

/** A clock tests move by hand, so expiry and rate limits never depend on wall time. */
export function manualClock(start = Date.UTC(2026, 0, 15, 12)): { now: () => number; advance: (ms: number) => void } {
  let current = start;
  return { now: () => current, advance: (ms) => (current += ms) };
}

/** A started emulator and a Client pointed at it (no retries, no limiter: the SDK's settings are process-wide). */
export async function startHubSpot(options: HubSpotEmulatorOptions = {}): Promise<{ emulator: HubSpotEmulator; client: Client }> {
  const emulator = createHubSpotEmulator(options);
  await emulator.listen();
  return { emulator, client: new Client({ accessToken: 'pat-emulator', basePath: emulator.url }) };
}

/** What the SDK throws for a non-2xx answer: the status, the parsed JSON body and the response headers. */
export type SdkError = { code: number; body: Record<string, unknown>; headers: Record<string, string> };

export async function sdkError(promise: Promise<unknown>): Promise<SdkError> {
  try {
    await promise;
  } catch (error) {
    return error as SdkError;
  }
  throw new Error('expected the call to fail');
}
