import { describe, expect, it } from 'vitest';
import { toIdempotencyKey } from '../../../subgraphs/payments/idempotency.js';

describe('idempotency keys', () => {
  it('uses the caller key, scoped to the operation', () => {
    expect(toIdempotencyKey('refundCharge', { chargeId: 'ch_1', idempotencyKey: 'k1' }, 'k1')).toBe('ix:refundCharge:k1');
  });

  it('derives the same key from the same input in any field order, and a different one from different input', () => {
    const a = toIdempotencyKey('refundCharge', { chargeId: 'ch_1', amount: 100, metadata: { x: '1', y: '2' } });
    const b = toIdempotencyKey('refundCharge', { metadata: { y: '2', x: '1' }, amount: 100, chargeId: 'ch_1', idempotencyKey: null });
    expect(a).toBe(b);
    expect(a).toMatch(/^ix:refundCharge:auto:[\w-]{43}$/);
    expect(toIdempotencyKey('refundCharge', { chargeId: 'ch_1', amount: 200 })).not.toBe(a);
    expect(toIdempotencyKey('capturePaymentIntent', { chargeId: 'ch_1', amount: 100 })).not.toBe(a);
  });
});
