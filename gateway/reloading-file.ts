import { readFileSync, statSync } from 'node:fs';
import type { Logger } from '../platform/index.js';

/**
 * A JSON file read at start and again whenever it changes on disk (checked at most once a second, on use),
 * so the client registry and the operation manifest reload without a restart. A change that does not parse
 * is logged and ignored: the last good version stays in force.
 */
export function reloadingFile<T>(path: string, parse: (json: unknown) => T, log: Logger): () => T {
  const read = (): { value: T; mtimeMs: number } => {
    const mtimeMs = statSync(path).mtimeMs;
    return { value: parse(JSON.parse(readFileSync(path, 'utf8')) as unknown), mtimeMs };
  };
  // A broken file at start is a configuration error: fail loudly then, not at the first request.
  let current = read();
  let checkedAt = Date.now();
  return () => {
    if (Date.now() - checkedAt < 1000) return current.value;
    checkedAt = Date.now();
    try {
      if (statSync(path).mtimeMs !== current.mtimeMs) {
        current = read();
        log.info({ path }, 'reloaded');
      }
    } catch (error) {
      log.error({ path, err: error instanceof Error ? error.message : String(error) }, 'reload failed; keeping the previous version');
    }
    return current.value;
  };
}
