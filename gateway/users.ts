import type { IncomingMessage } from 'node:http';
import { LRUCache } from 'lru-cache';
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

export type UserVerifier = {
  /** The request's user: undefined without a bearer token; a bad token throws the 401 Refusal naming why. */
  (req: IncomingMessage): Promise<User | undefined>;
  /**
   * The same verdict without waiting, when it is known: the token was verified (or refused for a reason of its
   * own) lately, or there is none. `'unknown'`: it has to be verified.
   */
  known(req: IncomingMessage): User | undefined | 'unknown';
};

/** Verdicts remembered, one per token, at most this many... */
const VERDICTS = 10_000;
/** ...for at most this long (ms): a key rotated out of a JWKS stops being trusted within a minute. */
const VERDICT_MS = 60_000;
/** Longer tokens are verified every time, so the verdicts cannot hold much memory. */
const VERDICT_TOKEN_CHARS = 4096;

/**
 * Whether a refusal says something about the token alone, so that it holds for the same token next time:
 * a bad signature, a refused algorithm, a malformed token, a wrong issuer or audience, an expiry. Not the
 * transient ones: keys that could not be fetched or a kid the JWKS does not have yet, a token not yet valid.
 */
function lasting(error: unknown): boolean {
  if (error instanceof errors.JWTClaimValidationFailed) return error.claim !== 'nbf' && error.claim !== 'iat';
  return (
    error instanceof errors.JWTExpired ||
    error instanceof errors.JWSSignatureVerificationFailed ||
    error instanceof errors.JOSEAlgNotAllowed ||
    error instanceof errors.JWSInvalid ||
    error instanceof errors.JWTInvalid ||
    error instanceof errors.JOSENotSupported
  );
}

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
 * with the allowed skew. No header: no user. A bad token is a 401 naming the reason. Each token's verdict is
 * remembered for a minute (never past its expiry), refusals only when the reason lies in the token itself.
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
  const nowMs = () => (options.now ? options.now() * 1000 : Date.now());
  // A token's verdict, so that a token sent again (a user's next request, or an attacker's forged one in a loop)
  // costs a map lookup, not a signature check.
  const verdicts = new LRUCache<string, { until: number } & ({ user: User } | { refusal: Refusal })>({ max: VERDICTS });
  const bearer = (header: string): string => {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match)
      throw new Refusal(401, ErrorCode.UNAUTHENTICATED, 'The Authorization header must be "Bearer <token>".', {
        headers: { 'WWW-Authenticate': 'Bearer' },
      });
    return match[1]!;
  };
  const remembered = (token: string): User | Refusal | undefined => {
    const verdict = verdicts.get(token);
    if (!verdict) return undefined;
    if (verdict.until <= nowMs()) {
      verdicts.delete(token);
      return undefined;
    }
    return 'user' in verdict ? verdict.user : verdict.refusal;
  };
  const verify = async (token: string): Promise<User> => {
    try {
      const { payload } = await jwtVerify(
        token,
        key as JWTVerifyGetKey,
        options.now ? { ...verifyOptions, currentDate: new Date(options.now() * 1000) } : verifyOptions,
      );
      if (typeof payload.sub !== 'string' || payload.sub === '')
        throw new errors.JWTClaimValidationFailed('missing', payload, 'sub', 'missing');
      const user = { sub: payload.sub, issuer: payload.iss ?? options.issuer, scopes: scopesOf(payload) };
      // Kept no longer than the token lives (exp is in seconds; the skew is what verification allowed).
      const expires = typeof payload.exp === 'number' ? (payload.exp + options.clockSkewSeconds) * 1000 : Infinity;
      if (token.length <= VERDICT_TOKEN_CHARS) verdicts.set(token, { user, until: Math.min(expires, nowMs() + VERDICT_MS) });
      return user;
    } catch (error) {
      const reason = tokenProblem(error);
      const refusal = new Refusal(401, ErrorCode.UNAUTHENTICATED, reason, {
        headers: { 'WWW-Authenticate': `Bearer error="invalid_token", error_description="${reason.replace(/"/g, "'")}"` },
      });
      if (lasting(error) && token.length <= VERDICT_TOKEN_CHARS) verdicts.set(token, { refusal, until: nowMs() + VERDICT_MS });
      throw refusal;
    }
  };
  const verifier = async (req: IncomingMessage): Promise<User | undefined> => {
    const header = req.headers.authorization;
    if (header === undefined) return undefined;
    const token = bearer(header);
    const known = remembered(token);
    if (known instanceof Refusal) throw known;
    return known ?? verify(token);
  };
  return Object.assign(verifier, {
    known(req: IncomingMessage): User | undefined | 'unknown' {
      const header = req.headers.authorization;
      if (header === undefined) return undefined;
      const known = remembered(bearer(header));
      if (known instanceof Refusal) throw known;
      return known ?? 'unknown';
    },
  });
}
