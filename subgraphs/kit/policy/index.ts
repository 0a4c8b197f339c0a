// The vendor call policy's public face; subgraphs/kit/index.ts re-exports it.
export { createCallPolicy, POLICY_DEFAULTS } from './policy.js';
export { shouldRetry, type RetryDecision, type RetryLimits, type StopReason } from './should-retry.js';
export { createBackoff, type BackoffSettings } from './backoff.js';
export { readDeadline, DEADLINE_HEADER, type ReadDeadlineOptions } from './deadline.js';
export { parseRetryAfter } from './retry-after.js';
export { createAbortableAgent, type AbortableAgent, type AbortableAgentOptions } from './agent.js';
export { systemClock, sleep, type Clock } from './clock.js';
export { readPolicySettings, quotaWindows, type PolicySettings, type PolicySettingDefaults } from './settings.js';
export type {
  AttemptEnd,
  BreakerState,
  CallObserver,
  CallTracker,
  CallKind,
  CallPolicy,
  CallPolicyOptions,
  CallSpec,
  Classifier,
  Failure,
  PolicyState,
  QuotaWindow,
  Translator,
} from './types.js';
