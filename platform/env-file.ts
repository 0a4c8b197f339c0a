import { existsSync } from 'node:fs';

/**
 * Reads a `.env` file (KEY=value lines, as `.env.example` shows) into process.env with Node's own parser
 * (`process.loadEnvFile`, Node 20.12+). Variables already set in the environment win over the file, so
 * `LOG_LEVEL=debug npm start` still beats a LOG_LEVEL in `.env`. A missing file is not an error: `.env` is
 * optional. Returns whether a file was read.
 */
export function loadEnvFile(path = '.env'): boolean {
  if (!existsSync(path)) return false;
  process.loadEnvFile(path);
  return true;
}
