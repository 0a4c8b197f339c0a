/**
 * Declares an API client:
 * `npm run client:add -- <name> <frontend|partner> [requests-per-minute] [registry-file] [--scopes "billing:read crm:read"]`.
 * Prints the new API key once (only its SHA-256 is stored) and writes the registry, which the gateway reloads
 * without a restart, and says what to do next. Default registry: config/clients.json (which the gateway reads by
 * default); default limit: 600 requests a minute. `--scopes` grants the client scopes of its own: what it may reach
 * without a user token, and the most its users' tokens reach through it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SCOPE, hashApiKey } from '../gateway/clients.js';
import { DEFAULT_CLIENT_REGISTRY } from '../gateway/config.js';

const USAGE = 'usage: npm run client:add -- <name> <frontend|partner> [requests-per-minute] [registry-file] [--scopes "a:read b:read"]';
const fail = (message: string): never => {
  console.error(`${message}\n${USAGE}`);
  process.exit(1);
};
const args = (() => {
  try {
    return parseArgs({ allowPositionals: true, options: { scopes: { type: 'string' } } });
  } catch (error) {
    return fail((error as Error).message);
  }
})();
const [name, kind, limit = '600', file = DEFAULT_CLIENT_REGISTRY] = args.positionals;
const scopes = args.values.scopes?.split(/\s+/).filter((scope) => scope !== '');
for (const scope of scopes ?? []) if (!SCOPE.test(scope)) fail(`scopes: "${scope}" is not a scope (no quotes or backslashes)`);
if (!name || !/^[\w.-]{1,64}$/.test(name)) fail('name: letters, digits, dots, dashes or underscores, at most 64');
if (kind !== 'frontend' && kind !== 'partner') fail('kind: frontend or partner');
const rateLimitPerMinute = Number(limit);
if (!Number.isInteger(rateLimitPerMinute) || rateLimitPerMinute < 1) fail('requests-per-minute: a whole number above 0');

const registry = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { clients: Array<{ name: string }> }) : { clients: [] };
if (registry.clients.some((client) => client.name === name)) fail(`a client named ${name} exists already in ${file}`);
const key = `ix_${kind === 'partner' ? 'p' : 'f'}_${randomBytes(24).toString('base64url')}`;
registry.clients.push({ name, kind, keySha256: hashApiKey(key), rateLimitPerMinute, ...(scopes ? { scopes } : {}) } as { name: string });
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, `${JSON.stringify(registry, null, 2)}\n`);
console.log(
  `Added ${kind} client "${name}" (${rateLimitPerMinute} requests a minute${scopes ? `, scopes: ${scopes.join(' ') || 'none'}` : ''}) to ${file}.`,
);
console.log(`API key (shown once; send it as the x-api-key header): ${key}`);
console.log('');
console.log('Next:');
if (resolve(file) === DEFAULT_CLIENT_REGISTRY) {
  console.log('  - The gateway reads this file by default: a running gateway picks the client up within a second,');
  console.log('    or start one with `npm start`.');
} else {
  console.log(`  - Start the gateway with CLIENT_REGISTRY=${file} (in the environment or .env); a running gateway`);
  console.log('    with that setting picks the client up within a second.');
}
if (kind === 'partner') {
  console.log('  - A partner sends only persisted operations: their ids are in operations/manifest.json, e.g.');
  console.log(`    curl http://127.0.0.1:4000/graphql -H 'x-api-key: ${key}' -H 'content-type: application/json' \\`);
  console.log(`      -d '{"documentId": "sha256:<id from operations/manifest.json>", "variables": {...}}'`);
} else {
  console.log(`  - Send any query with -H 'x-api-key: ${key}' to http://127.0.0.1:4000/graphql.`);
}
