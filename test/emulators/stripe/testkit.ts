import Stripe from 'stripe';
import { createStripeEmulator, type StripeEmulator, type StripeEmulatorOptions } from '../../../emulators/stripe/index.js';

process.env.STRIPE_SUPPRESS_NOTICES = 'true';

/** 1 July 2026, after every seeded timestamp. */
export const START = Date.UTC(2026, 6, 1);

export type StripeTestbed = {
  emulator: StripeEmulator;
  stripe: Stripe;
  /** Moves the emulator's clock forward. */
  advance(ms: number): void;
  client(options?: { apiKey?: string; maxNetworkRetries?: number }): Stripe;
  close(): Promise<void>;
};

/** An emulator on port 0 with a movable clock, and the official SDK pointed at it. */
export async function startStripe(options: StripeEmulatorOptions = {}): Promise<StripeTestbed> {
  let now = START;
  const emulator = createStripeEmulator({ clock: () => now, ...options });
  const url = await emulator.listen(0);
  const port = Number(new URL(url).port);
  const client = ({ apiKey = 'sk_test_emulator', maxNetworkRetries = 0 } = {}) =>
    new Stripe(apiKey, { host: '127.0.0.1', port, protocol: 'http', maxNetworkRetries, telemetry: false });
  return {
    emulator,
    stripe: client(),
    advance: (ms) => {
      now += ms;
    },
    client,
    close: () => emulator.close(),
  };
}

/** Runs `call` and returns what it threw; fails the test when it did not throw. */
export async function thrown(call: () => Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await call();
  } catch (error) {
    return error as Stripe.errors.StripeError;
  }
  throw new Error('expected the call to throw');
}
