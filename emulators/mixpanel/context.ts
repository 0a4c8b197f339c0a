import type { ProjectConfig } from './auth.js';
import type { RateLimiter } from './rate-limit.js';
import type { EventStore } from './store.js';
import type { ProfileStore } from './engage.js';

/** Everything one emulator instance owns; each route module gets it instead of reaching for globals. */
export type MixpanelContext = {
  project: ProjectConfig;
  store: EventStore;
  profiles: ProfileStore;
  clock: () => number;
  exportLimiter: RateLimiter;
  queryLimiter: RateLimiter;
  /** A per-instance counter, for ids the emulator mints (track insert ids, engage session ids). */
  nextSequence: () => number;
};
