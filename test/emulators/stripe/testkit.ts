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

/**
 * An emulator on port 0 with a movable clock, and the official SDK pointed at it. The clock stands still, so the
 * per-second rate limits are off unless a test sets them; search lag stays at the emulator's default.
 */
export async function startStripe(options: StripeEmulatorOptions = {}): Promise<StripeTestbed> {
  let now = START;
  const emulator = createStripeEmulator({ clock: () => now, rateLimitPerSecond: 0, searchRateLimitPerSecond: 0, ...options });
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

/** What a server-side confirmation sends so that Stripe does not ask for a `return_url`. */
export const NO_REDIRECTS = { automatic_payment_methods: { enabled: true, allow_redirects: 'never' as const } };

/** Runs `call` and returns what it threw; fails the test when it did not throw. */
export async function thrown(call: () => Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await call();
  } catch (error) {
    return error as Stripe.errors.StripeError;
  }
  throw new Error('expected the call to throw');
}
