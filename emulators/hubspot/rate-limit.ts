import { correlationId } from './errors.js';

export type RateLimitSettings = {
  /** Requests per token in any ten-second window; 0 disables. */
  tenSecondlyLimit: number;
  /** Requests per token per UTC day; 0 disables. */
  dailyLimit: number;
  /** Search requests per token in any one-second window; 0 disables. */
  searchPerSecond: number;
};

type Policy = 'TEN_SECONDLY_ROLLING' | 'DAILY' | 'SECONDLY';

/** HubSpot's 429: no `category`, but `errorType` and the policy that tripped (the SDK's retry keys on both). */
export class RateLimitError extends Error {
  readonly status = 429;

  constructor(
    readonly policyName: Policy,
    message: string,
    readonly headers: Record<string, string>,
  ) {
    super(message);
    this.name = 'RateLimitError';
  }

  body(): { status: 'error'; message: string; errorType: 'RATE_LIMIT'; correlationId: string; policyName: Policy } {
    return { status: 'error', message: this.message, errorType: 'RATE_LIMIT', correlationId: correlationId(), policyName: this.policyName };
  }
}

const DAY_MS = 24 * 3600 * 1000;

/**
 * Per-token quotas on the emulator's clock. The windows are rolling (a list of recent request times), as
 * HubSpot's ten-secondly limit is, so moving the clock 10 s forward frees the whole quota.
 */
export class RateLimiter {
  private readonly recent = new Map<string, number[]>();
  private readonly recentSearches = new Map<string, number[]>();
  private readonly daily = new Map<string, { day: number; count: number }>();

  constructor(
    private readonly settings: RateLimitSettings,
    private readonly clock: () => number,
  ) {}

  /**
   * Counts one request and returns the rate-limit headers to send, or throws the 429. Search has its own
   * per-second policy and, as on HubSpot, answers without the standard headers and outside the
   * ten-secondly window; it still counts toward the daily quota.
   */
  take(token: string, kind: 'standard' | 'search'): Record<string, string> {
    const now = this.clock();
    const headers: Record<string, string> = {};
    const day = Math.floor(now / DAY_MS);
    let daily = this.daily.get(token);
    if (!daily || daily.day !== day) this.daily.set(token, (daily = { day, count: 0 }));

    if (kind === 'search') {
      const limit = this.settings.searchPerSecond;
      if (limit > 0 && this.window(this.recentSearches, token, now, 1000).length >= limit) {
        throw new RateLimitError('SECONDLY', 'You have reached your secondly limit.', headers);
      }
    } else {
      const limit = this.settings.tenSecondlyLimit;
      const used = this.window(this.recent, token, now, 10_000).length;
      if (limit > 0) {
        headers['X-HubSpot-RateLimit-Interval-Milliseconds'] = '10000';
        headers['X-HubSpot-RateLimit-Max'] = String(limit);
        headers['X-HubSpot-RateLimit-Remaining'] = String(Math.max(0, limit - used - 1));
        // HubSpot also reports a one-second share of the ten-second window. The emulator reports it without
        // enforcing it separately (the ten-secondly policy is the one that answers 429; unverified for all tiers).
        const secondly = Math.ceil(limit / 10);
        const lastSecond = this.window(this.recent, token, now, 10_000).filter((at) => at > now - 1000).length;
        headers['X-HubSpot-RateLimit-Secondly'] = String(secondly);
        headers['X-HubSpot-RateLimit-Secondly-Remaining'] = String(Math.max(0, secondly - lastSecond - 1));
      }
      if (this.settings.dailyLimit > 0) {
        headers['X-HubSpot-RateLimit-Daily'] = String(this.settings.dailyLimit);
        headers['X-HubSpot-RateLimit-Daily-Remaining'] = String(Math.max(0, this.settings.dailyLimit - daily.count - 1));
      }
      if (limit > 0 && used >= limit) {
        headers['X-HubSpot-RateLimit-Remaining'] = '0';
        if (this.settings.dailyLimit > 0) {
          headers['X-HubSpot-RateLimit-Daily-Remaining'] = String(Math.max(0, this.settings.dailyLimit - daily.count));
        }
        throw new RateLimitError('TEN_SECONDLY_ROLLING', 'You have reached your ten_secondly_rolling limit.', headers);
      }
    }
    if (this.settings.dailyLimit > 0 && daily.count >= this.settings.dailyLimit) {
      if (kind === 'standard') headers['X-HubSpot-RateLimit-Daily-Remaining'] = '0';
      throw new RateLimitError('DAILY', 'You have reached your daily limit.', headers);
    }

    daily.count++;
    (kind === 'search' ? this.recentSearches : this.recent).get(token)?.push(now);
    return headers;
  }

  /** The request times still inside the window (pruned in place); creates the list on first use. */
  private window(windows: Map<string, number[]>, token: string, now: number, ms: number): number[] {
    let times = windows.get(token);
    if (!times) windows.set(token, (times = []));
    while (times.length > 0 && times[0]! <= now - ms) times.shift();
    return times;
  }
}
