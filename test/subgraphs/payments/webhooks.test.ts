import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { signatureProblem } from '../../kit/signatures.js';
import { PayloadError } from '../../../platform/index.js';
import { signStripePayload, toStripeVendorEvent, verifyStripeSignature } from '../../../subgraphs/payments/webhooks.js';

const SECRET = 'whsec_unit';
const NOW = Date.UTC(2026, 10, 30, 4, 0, 0);
const now = () => NOW;
const payload = JSON.stringify({
  id: 'evt_1',
  type: 'customer.updated',
  created: NOW / 1000,
  data: {
    object: { id: 'cus_1', object: 'customer', email: 'new@example.com', name: 'Ada' },
    previous_attributes: { email: 'old@example.com' },
  },
});

describe('verifyStripeSignature', () => {
  it('accepts the header the official SDK generates for the same secret', () => {
    const header = new Stripe('sk_test_x').webhooks.generateTestHeaderString({ payload, secret: SECRET, timestamp: NOW / 1000 });
    expect(() => verifyStripeSignature({ rawBody: payload, header, secrets: [SECRET], now })).not.toThrow();
  });

  it('accepts any of several secrets during a rotation, and any of several v1 values', () => {
    const header = `${signStripePayload({ payload, secret: 'whsec_new', timestamp: NOW / 1000 })},v1=${'0'.repeat(64)}`;
    expect(() => verifyStripeSignature({ rawBody: payload, header, secrets: ['whsec_old', 'whsec_new'], now })).not.toThrow();
  });

  it('refuses missing, malformed, wrong and stale signatures, each with its own reason', () => {
    const good = signStripePayload({ payload, secret: SECRET, timestamp: NOW / 1000 });
    expect(signatureProblem(() => verifyStripeSignature({ rawBody: payload, header: undefined, secrets: [SECRET], now }))).toBe('missing');
    expect(signatureProblem(() => verifyStripeSignature({ rawBody: payload, header: 'v1=abc', secrets: [SECRET], now }))).toBe('malformed');
    expect(signatureProblem(() => verifyStripeSignature({ rawBody: payload, header: good, secrets: ['whsec_other'], now }))).toBe(
      'mismatch',
    );
    expect(signatureProblem(() => verifyStripeSignature({ rawBody: `${payload} `, header: good, secrets: [SECRET], now }))).toBe(
      'mismatch',
    );
    expect(signatureProblem(() => verifyStripeSignature({ rawBody: payload, header: good, secrets: [], now }))).toBe('no-secret');
    expect(
      signatureProblem(() => verifyStripeSignature({ rawBody: payload, header: good, secrets: [SECRET], now: () => NOW + 301_000 })),
    ).toBe('stale');
    expect(
      signatureProblem(() => verifyStripeSignature({ rawBody: payload, header: good, secrets: [SECRET], now: () => NOW + 300_000 })),
    ).toBeUndefined();
    expect(
      signatureProblem(() =>
        verifyStripeSignature({ rawBody: payload, header: good, secrets: [SECRET], toleranceSeconds: 10, now: () => NOW + 11_000 }),
      ),
    ).toBe('stale');
  });

  it('says what to fix', () => {
    expect(() => verifyStripeSignature({ rawBody: payload, header: 't=1,v1=00', secrets: [SECRET], now })).toThrow(
      /STRIPE_WEBHOOK_SECRETS/,
    );
  });
});

describe('toStripeVendorEvent', () => {
  it('turns a customer update into CustomerChanged, tagging the new and the previous email', () => {
    const event = toStripeVendorEvent(JSON.parse(payload));
    expect(event).toMatchObject({
      vendor: 'stripe',
      id: 'evt_1',
      type: 'customer.updated',
      entity: 'customer:cus_1',
      occurredAt: new Date(NOW),
    });
    expect(event.change).toEqual({
      kind: 'CustomerChanged',
      source: 'stripe',
      occurredAt: new Date(NOW).toISOString(),
      email: 'new@example.com',
      fields: { email: 'new@example.com' },
      tags: ['Customer:new@example.com', 'Customer:old@example.com'],
    });
  });

  it('refuses what is not a Stripe event', () => {
    expect(() => toStripeVendorEvent({ id: 'x' })).toThrow(PayloadError);
  });
});
