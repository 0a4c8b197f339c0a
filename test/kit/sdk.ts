import Stripe from 'stripe';
import type { TestStack } from './stack.js';

/** The official Stripe SDK pointed at the stack's Stripe emulator (plain HTTP, no telemetry). */
export function stripeSdk(stack: TestStack): Stripe {
  return new Stripe('sk_test_emulator', {
    host: '127.0.0.1',
    port: Number(new URL(stack.emulators.stripe!.url).port),
    protocol: 'http',
    telemetry: false,
  });
}
