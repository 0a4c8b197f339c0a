/**
 * The user verifier's remembered verdicts: a token seen lately is known without a signature check (`known`), a
 * refusal is remembered only when its reason lies in the token, and nothing is remembered past the token's expiry.
 */
import { SignJWT, exportSPKI, generateKeyPair } from 'jose';
import type { IncomingMessage } from 'node:http';
import { beforeAll, describe, expect, it } from 'vitest';
import { Refusal } from '../../gateway/pipeline.js';
import { createUserVerifier, type UserVerifier } from '../../gateway/users.js';

const ISSUER = 'https://idp.test.invalid/';
const AUDIENCE = 'interchange';
const START = 1_800_000_000;

type Key = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let signingKey: Key;
let otherKey: Key;
let verifier: UserVerifier;
let clock = START;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  signingKey = pair.privateKey;
  otherKey = (await generateKeyPair('RS256')).privateKey;
  verifier = await createUserVerifier({
    keys: { kind: 'static', publicKeyPem: await exportSPKI(pair.publicKey), algorithm: 'RS256' },
    issuer: ISSUER,
    audience: AUDIENCE,
    clockSkewSeconds: 30,
    now: () => clock,
  });
});

const token = (claims: { exp?: number; nbf?: number; aud?: string } = {}, key: Key = signingKey) => {
  const jwt = new SignJWT({ scope: 'crm:read' })
    .setProtectedHeader({ alg: 'RS256' })
    .setSubject('alice')
    .setIssuer(ISSUER)
    .setAudience(claims.aud ?? AUDIENCE)
    .setIssuedAt(START)
    .setExpirationTime(claims.exp ?? START + 300);
  if (claims.nbf !== undefined) jwt.setNotBefore(claims.nbf);
  return jwt.sign(key);
};
const request = (jwt: string) => ({ headers: { authorization: `Bearer ${jwt}` } }) as unknown as IncomingMessage;
const refusalOf = (run: () => unknown): string | undefined => {
  try {
    run();
  } catch (error) {
    if (error instanceof Refusal) return error.message;
    throw error;
  }
  return undefined;
};

describe('remembered token verdicts', () => {
  it('knows a verified token until it expires, then verifies it again', async () => {
    clock = START;
    const req = request(await token({ exp: START + 90 }));
    expect(verifier.known(req)).toBe('unknown');
    expect(await verifier(req)).toMatchObject({ sub: 'alice', issuer: ISSUER });
    expect(verifier.known(req)).toMatchObject({ sub: 'alice', scopes: new Set(['crm:read']) });
    // Expired beyond the allowed skew: not known any more, and verification refuses it.
    clock = START + 90 + 31;
    expect(verifier.known(req)).toBe('unknown');
    await expect(verifier(req)).rejects.toThrow('The token has expired.');
    expect(refusalOf(() => verifier.known(req))).toBe('The token has expired.');
  });

  it('remembers a refusal that lies in the token: wrong signature, wrong audience', async () => {
    clock = START;
    for (const jwt of [await token({}, otherKey), await token({ aud: 'someone-else' })]) {
      const req = request(jwt);
      await expect(verifier(req)).rejects.toBeInstanceOf(Refusal);
      expect(refusalOf(() => verifier.known(req))).toMatch(/signature does not verify|"aud" claim/);
    }
  });

  it('does not remember a token that is not valid yet', async () => {
    clock = START;
    const req = request(await token({ nbf: START + 600, exp: START + 900 }));
    await expect(verifier(req)).rejects.toThrow(/"nbf" claim/);
    expect(verifier.known(req)).toBe('unknown');
    clock = START + 600;
    expect(await verifier(req)).toMatchObject({ sub: 'alice' });
  });

  it('forgets a verdict after a minute, however long the token lives', async () => {
    clock = START;
    const req = request(await token({ exp: START + 3600 }));
    await verifier(req);
    clock = START + 59;
    expect(verifier.known(req)).toMatchObject({ sub: 'alice' });
    clock = START + 61;
    expect(verifier.known(req)).toBe('unknown');
  });
});
