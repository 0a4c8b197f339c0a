import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashApiKey } from '../../gateway/clients.js';

/** A CLIENT_REGISTRY file with one frontend client `web` holding `key`, its rate limit out of a test's way. */
export function webClientRegistry(key: string): string {
  const registry = join(mkdtempSync(join(tmpdir(), 'interchange-')), 'clients.json');
  writeFileSync(
    registry,
    JSON.stringify({ clients: [{ name: 'web', kind: 'frontend', keySha256: hashApiKey(key), rateLimitPerMinute: 100_000 }] }),
  );
  return registry;
}
