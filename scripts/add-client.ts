/**
 * Declares an API client: `npm run client:add -- <name> <frontend|partner> [requests-per-minute] [registry-file]`.
 * Prints the new API key once (only its SHA-256 is stored) and writes the registry, which the gateway reloads
 * without a restart. Default registry: config/clients.json; default limit: 600 requests a minute.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { hashApiKey } from '../gateway/clients.js';

const [name, kind, limit = '600', file = 'config/clients.json'] = process.argv.slice(2);
const fail = (message: string): never => {
  console.error(`${message}\nusage: npm run client:add -- <name> <frontend|partner> [requests-per-minute] [registry-file]`);
  process.exit(1);
};
if (!name || !/^[\w.-]{1,64}$/.test(name)) fail('name: letters, digits, dots, dashes or underscores, at most 64');
if (kind !== 'frontend' && kind !== 'partner') fail('kind: frontend or partner');
const rateLimitPerMinute = Number(limit);
if (!Number.isInteger(rateLimitPerMinute) || rateLimitPerMinute < 1) fail('requests-per-minute: a whole number above 0');

const registry = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { clients: Array<{ name: string }> }) : { clients: [] };
if (registry.clients.some((client) => client.name === name)) fail(`a client named ${name} exists already in ${file}`);
const key = `ix_${kind === 'partner' ? 'p' : 'f'}_${randomBytes(24).toString('base64url')}`;
registry.clients.push({ name, kind, keySha256: hashApiKey(key), rateLimitPerMinute } as { name: string });
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, `${JSON.stringify(registry, null, 2)}\n`);
console.log(`Added ${kind} client "${name}" (${rateLimitPerMinute} requests a minute) to ${file}.`);
console.log(`API key (shown once; send it as the x-api-key header): ${key}`);
