import { SignJWT, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The development issuer: an ES256 key pair kept in a local file (created on first use, mode 0600), whose
 * public half the gateway serves as a JWKS and trusts, and whose private half `npm run token` signs with. It
 * exists so that users and scopes can be tried with no identity provider; it is refused in production.
 */
export const DEV_ISSUER = 'urn:interchange:dev-issuer';
export const DEV_AUDIENCE = 'interchange';
const KID = 'interchange-dev-1';

export type DevKeys = { privateJwk: JWK; publicJwk: JWK };

/** The key pair in `path`, generated there when the file does not exist yet. */
export async function loadDevKeys(path: string): Promise<DevKeys> {
  if (existsSync(path)) return JSON.parse(readFileSync(path, 'utf8')) as DevKeys;
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const keys: DevKeys = {
    privateJwk: { ...(await exportJWK(privateKey)), kid: KID, alg: 'ES256' },
    publicJwk: { ...(await exportJWK(publicKey)), kid: KID, alg: 'ES256', use: 'sig' },
  };
  mkdirSync(dirname(path), { recursive: true });
  // Written aside and renamed, so a second process starting at the same moment never reads half a file.
  const aside = `${path}.${process.pid}.tmp`;
  writeFileSync(aside, JSON.stringify(keys), { mode: 0o600 });
  renameSync(aside, path);
  return keys;
}

export type TokenClaims = {
  /** The user's id (`sub`). */
  sub: string;
  /** Space-separated scopes, e.g. "crm:read billing:read"; default none. */
  scope?: string;
  /** Lifetime in seconds; default 3600. */
  expiresInSeconds?: number;
};

/** A token from the development issuer, as `npm run token` prints it. */
export async function mintDevToken(keys: DevKeys, claims: TokenClaims): Promise<string> {
  const key = await importJWK(keys.privateJwk, 'ES256');
  return new SignJWT(claims.scope ? { scope: claims.scope } : {})
    .setProtectedHeader({ alg: 'ES256', kid: KID, typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuer(DEV_ISSUER)
    .setAudience(DEV_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${claims.expiresInSeconds ?? 3600}s`)
    .sign(key);
}
