/**
 * `npm run token -- --sub alice --scope "crm:read billing:read" [--expires 3600]`: prints a user token from the
 * development issuer, which the embedded stack trusts. Refused in production: there, tokens come from your
 * identity provider (JWT_JWKS_URL or JWT_PUBLIC_KEY).
 */
import { parseArgs } from 'node:util';
import { readGatewayConfig } from '../gateway/config.js';
import { loadDevKeys, mintDevToken } from '../gateway/dev-issuer.js';
import { ConfigError } from '../platform/index.js';

try {
  const config = readGatewayConfig();
  if (config.nodeEnv === 'production')
    throw new ConfigError(['NODE_ENV: the development issuer mints no tokens in production (got production)']);
  if (config.users?.keys.kind !== 'dev')
    throw new ConfigError(['DEV_ISSUER: the development issuer is off (JWT_JWKS_URL or JWT_PUBLIC_KEY is set, or DEV_ISSUER=false)']);
  const { values } = parseArgs({
    options: { sub: { type: 'string' }, scope: { type: 'string', default: '' }, expires: { type: 'string', default: '3600' } },
  });
  if (!values.sub)
    throw new ConfigError(['--sub: the user id is required, e.g. npm run token -- --sub alice --scope "crm:read billing:read"']);
  const expiresInSeconds = Number(values.expires);
  if (!Number.isInteger(expiresInSeconds) || expiresInSeconds <= 0)
    throw new ConfigError([`--expires: expected a positive number of seconds (got ${values.expires})`]);
  const keys = await loadDevKeys(config.users.keys.keyFile);
  console.log(await mintDevToken(keys, { sub: values.sub, scope: values.scope, expiresInSeconds }));
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}
