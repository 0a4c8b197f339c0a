/**
 * Mixpanel's published query quotas: a rolling count per second and per hour and a cap on requests in
 * flight, per project. Time comes from the emulator's clock so tests move it instead of waiting.
 */

export type RateLimits = {
  /** 0 disables. */
  perSecond: number;
  /** 0 disables. */
  perHour: number;
  /** 0 disables. */
  concurrent: number;
};

export type Admission = { ok: true; release: () => void } | { ok: false; retryAfterSeconds: number; message: string };

const SECOND = 1000;
const HOUR = 3600 * 1000;

export class RateLimiter {
  /** Times of admitted requests within the last hour, oldest first. */
  private readonly admitted: number[] = [];
  private inFlight = 0;

  constructor(
    private readonly limits: RateLimits,
    private readonly clock: () => number,
    private readonly label: string,
  ) {}

  admit(): Admission {
    const now = this.clock();
    while (this.admitted.length > 0 && this.admitted[0]! <= now - HOUR) this.admitted.shift();
    const { perSecond, perHour, concurrent } = this.limits;
    if (concurrent > 0 && this.inFlight >= concurrent) {
      return { ok: false, retryAfterSeconds: 1, message: `${this.label} rate limit exceeded: at most ${concurrent} concurrent queries` };
    }
    const window = (size: number, limit: number): number | undefined => {
      if (limit <= 0) return undefined;
      const inside = this.admitted.filter((at) => at > now - size);
      if (inside.length < limit) return undefined;
      // The request that frees a slot is the one `limit` places back from the newest.
      const freeing = inside[inside.length - limit]!;
      return Math.max(1, Math.ceil((freeing + size - now) / 1000));
    };
    const perSecondWait = window(SECOND, perSecond);
    if (perSecondWait !== undefined) {
      return {
        ok: false,
        retryAfterSeconds: perSecondWait,
        message: `${this.label} rate limit exceeded: at most ${perSecond} queries per second`,
      };
    }
    const perHourWait = window(HOUR, perHour);
    if (perHourWait !== undefined) {
      return {
        ok: false,
        retryAfterSeconds: perHourWait,
        message: `${this.label} rate limit exceeded: at most ${perHour} queries per hour`,
      };
    }
    this.admitted.push(now);
    this.inFlight++;
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.inFlight--;
      },
    };
  }
}
