import { afterEach, describe, expect, it, vi } from 'vitest';
import { createBackoff, DEADLINE_HEADER, parseRetryAfter, readDeadline } from '../../../../subgraphs/kit/policy/index.js';

/** The first `count` delays of a backoff. */
function delays(count: number, settings = { initialDelayMs: 100, maxDelayMs: 1_000 }): number[] {
  const factory = createBackoff(settings);
  const out: number[] = [];
  let backoff = factory.next(undefined);
  for (let i = 0; i < count; i++) {
    out.push(backoff.duration);
    backoff = backoff.next(undefined);
  }
  return out;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('backoff', () => {
  it('doubles from the initial delay: the top of each jitter range', () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.999999);
    expect(delays(4)).toEqual([99, 199, 399, 799]);
  });

  it('jitters each delay within [d/2, d): never at once, never above the exponential value', () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    expect(delays(4)).toEqual([50, 100, 200, 400]);
    vi.restoreAllMocks();
    for (let run = 0; run < 200; run++) {
      const [first, second] = delays(2);
      expect(first).toBeGreaterThanOrEqual(50);
      expect(first).toBeLessThan(100);
      expect(second).toBeGreaterThanOrEqual(100);
      expect(second).toBeLessThan(200);
    }
  });

  it('clamps every delay to maxDelayMs, jitter included', () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.999999);
    const long = delays(10);
    expect(Math.max(...long)).toBeLessThan(1_000);
    expect(long.slice(-3)).toEqual([999, 999, 999]);
  });
});

describe('readDeadline', () => {
  const now = 1_800_000_000_000;
  const read = (value: string | string[] | undefined) => readDeadline({ [DEADLINE_HEADER]: value }, { now });

  it('reads the absolute epoch-ms deadline the gateway sends', () => {
    expect(DEADLINE_HEADER).toBe('x-request-deadline');
    expect(read(String(now + 5_000))).toBe(now + 5_000);
    expect(read([String(now + 5_000), '1'])).toBe(now + 5_000);
  });

  it('ignores a missing or unreadable header', () => {
    expect(readDeadline({}, { now })).toBeUndefined();
    for (const value of ['', 'soon', '-5', '1.5e12', '12.5', ' ', '0x10', '99999999999999999']) expect(read(value)).toBeUndefined();
  });

  it('ignores a value far in the past (seconds instead of ms, garbage)', () => {
    expect(read(String(Math.floor(now / 1000)))).toBeUndefined();
    expect(read(String(now - 61_000))).toBeUndefined();
  });

  it('keeps a deadline that has just passed, so calls fail fast', () => {
    expect(read(String(now - 500))).toBe(now - 500);
  });

  it('pulls a far-away deadline in to the longest budget', () => {
    expect(read(String(now + 3_600_000))).toBe(now + 30_000);
    expect(readDeadline({ [DEADLINE_HEADER]: String(now + 3_600_000) }, { now, maxBudgetMs: 5_000 })).toBe(now + 5_000);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.UTC(2026, 6, 1, 12, 0, 0);

  it('reads delay-seconds and HTTP dates as ms', () => {
    expect(parseRetryAfter('2', now)).toBe(2_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Wed, 01 Jul 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 01 Jul 2026 11:00:00 GMT', now)).toBe(0);
  });

  it('ignores absent and unreadable values', () => {
    for (const value of [undefined, null, '', '-1', '1.5', 'later']) expect(parseRetryAfter(value, now)).toBeUndefined();
  });
});
