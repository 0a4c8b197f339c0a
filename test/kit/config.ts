import { ConfigError } from '../../platform/index.js';

/** The problems a config reader reports (its ConfigError's list); fails when it reports none. */
export function problemsOf(read: () => unknown): string[] {
  try {
    read();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}
