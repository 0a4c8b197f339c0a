import type { Request } from 'express';
import { createLocalJWKSet, createRemoteJWKSet, errors, importSPKI, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { ErrorCode } from '../platform/index.js';
import { Refusal } from './pipeline.js';

/** A person, from a verified `Authorization: Bearer` token. */
export type User = {
  /** The token's subject: the user's id at the issuer. */
  sub: string;
  issuer: string;
  /** From the `scope` (space-separated string) or `scp` (array or string) claim. */
  scopes: ReadonlySet<string>;
};

/** Where the keys that sign user tokens come from: exactly one. */
export type KeySource =
  { kind: 'jwks'; url: string } | { kind: 'static'; publicKeyPem: string; algorithm: string } | { kind: 'local'; jwks: { keys: object[] } };

export type UserVerifierOptions = {
  keys: KeySource;
  /** Expected `iss`. */
  issuer: string;
  /** Expected `aud`. */
  audience: string;
  /** Clock skew allowed on exp/nbf/iat, in seconds. */
  clockSkewSeconds: number;
  /** A JWKS fetched by URL is kept this long before it is fetched again, in ms; default 10 minutes. */
  jwksCacheMs?: number;
  /** Current time in seconds, for tests; default the system clock. */
  now?: () => number;
};

export type UserVerifier = (req: Request) => Promise<User | undefined>;

const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

function scopesOf(payload: JWTPayload): Set<string> {
  const raw = payload.scope ?? payload.scp;
  const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(' ') : [];
  return new Set(list.filter((scope): scope is string => typeof scope === 'string' && scope !== ''));
}

/** What was wrong with a token, in words the caller can act on (never a stack). */
export function tokenProblem(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'The token has expired.';
  if (error instanceof errors.JWTClaimValidationFailed) return `The token's "${error.claim}" claim is not accepted (${error.reason}).`;
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'The token signature does not verify.';
  if (error instanceof errors.JOSEAlgNotAllowed)
    return 'The token is signed with an algorithm that is not accepted (unsigned tokens never are).';
  if (error instanceof errors.JWKSNoMatchingKey) return "No key of the token issuer's JWKS matches the token's kid.";
  if (error instanceof errors.JWKSTimeout || (error instanceof errors.JOSEError && error.code === 'ERR_JWKS_INVALID'))
    return "The token issuer's keys could not be fetched.";
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid || error instanceof errors.JOSENotSupported)
    return 'The token is malformed.';
  return 'The token could not be verified.';
}

/**
 * Verifies `Authorization: Bearer <JWT>` with jose: signature by a JWKS URL (cached; fetched again when a token
 * names an unknown kid), a static public key or the development issuer's keys; issuer, audience and lifetime
 * with the allowed skew. No header: no user. A bad token is a 401 naming the reason.
 */
export async function createUserVerifier(options: UserVerifierOptions): Promise<UserVerifier> {
  const { keys } = options;
  const key: JWTVerifyGetKey | Awaited<ReturnType<typeof importSPKI>> =
    keys.kind === 'jwks'
      ? createRemoteJWKSet(new URL(keys.url), { cacheMaxAge: options.jwksCacheMs ?? 600_000, cooldownDuration: 30_000 })
      : keys.kind === 'local'
        ? createLocalJWKSet(keys.jwks as Parameters<typeof createLocalJWKSet>[0])
        : await importSPKI(keys.publicKeyPem, keys.algorithm);
  const verifyOptions = {
    issuer: options.issuer,
    audience: options.audience,
    clockTolerance: options.clockSkewSeconds,
    algorithms: keys.kind === 'static' ? [keys.algorithm] : ASYMMETRIC,
  };
  return async (req) => {
    const header = req.headers.authorization;
    if (header === undefined) return undefined;
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match)
      throw new Refusal(401, ErrorCode.UNAUTHENTICATED, 'The Authorization header must be "Bearer <token>".', {
        headers: { 'WWW-Authenticate': 'Bearer' },
      });
    try {
      const { payload } = await jwtVerify(
        match[1]!,
        key as JWTVerifyGetKey,
        options.now ? { ...verifyOptions, currentDate: new Date(options.now() * 1000) } : verifyOptions,
      );
      if (typeof payload.sub !== 'string' || payload.sub === '')
        throw new errors.JWTClaimValidationFailed('missing', payload, 'sub', 'missing');
      return { sub: payload.sub, issuer: payload.iss ?? options.issuer, scopes: scopesOf(payload) };
    } catch (error) {
      const reason = tokenProblem(error);
      throw new Refusal(401, ErrorCode.UNAUTHENTICATED, reason, {
        headers: { 'WWW-Authenticate': `Bearer error="invalid_token", error_description="${reason.replace(/"/g, "'")}"` },
      });
    }
  };
}
