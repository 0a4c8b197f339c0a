import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Logger } from '../platform/index.js';
import { reloadingFile } from './reloading-file.js';

/** A declared API client: a frontend may send any operation, a partner only the manifest's. */
export type Client = {
  name: string;
  kind: 'frontend' | 'partner';
  /** SHA-256 (hex) of the API key; the key itself is never stored. */
  keySha256: string;
  /** Requests a minute this client may make. */
  rateLimitPerMinute: number;
  /**
   * Scopes granted to the client itself (e.g. a partner's `billing:read`): what authorization allows it without a
   * user token, and the most its users' tokens can reach through it. Absent: the client is granted nothing of its
   * own and bounds nothing (its users' tokens apply as they are).
   */
  scopes?: string[] | undefined;
};

/** A scope token as OAuth 2.0 defines it (RFC 6749 §3.3): printable ASCII but space, `"` and `\`. */
export const SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

const registrySchema = z.object({
  clients: z.array(
    z.object({
      name: z.string().regex(/^[\w.-]{1,64}$/, 'a name of letters, digits, dots, dashes or underscores'),
      kind: z.enum(['frontend', 'partner']),
      keySha256: z.string().regex(/^[\da-f]{64}$/, 'the SHA-256 of the key, 64 lower-case hex digits'),
      rateLimitPerMinute: z.number().int().positive(),
      scopes: z.array(z.string().regex(SCOPE, 'a scope such as billing:read (no spaces or quotes)')).optional(),
    }),
  ),
});

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export type ClientRegistry = {
  /** The client owning this key, or undefined; compares hashes in constant time. */
  find(apiKey: string): Client | undefined;
};

function parseRegistry(json: unknown): Client[] {
  const result = registrySchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new Error(`client registry: ${issue.path.join('.')}: ${issue.message}`);
  }
  return result.data.clients;
}

/** The registry from a JSON file (`{ "clients": [...] }`), reloaded when the file changes. */
export function loadClientRegistry(path: string, log: Logger): ClientRegistry {
  const clients = reloadingFile(path, parseRegistry, log.child({ part: 'client-registry' }));
  return {
    find(apiKey) {
      const hash = Buffer.from(hashApiKey(apiKey), 'hex');
      return clients().find((client) => timingSafeEqual(Buffer.from(client.keySha256, 'hex'), hash));
    },
  };
}
