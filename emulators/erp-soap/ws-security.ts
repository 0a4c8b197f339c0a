import { createHash, timingSafeEqual } from 'node:crypto';
import { clientFault, type SoapFault } from './faults.js';
import { asText, isSoapObject, type SoapValue } from './input.js';

/**
 * WS-Security UsernameToken (OASIS Username Token Profile 1.0), PasswordText and PasswordDigest. Real NAV
 * authenticates with NTLM or basic auth; UsernameToken is Interchange's choice for the emulated service.
 * A digest proves knowledge of the password but can be replayed, so a token is accepted only while its
 * Created is recent and its nonce has not been seen within that window.
 */

export type ErpUser = { username: string; password: string };

export type UsernameTokenPolicy = {
  users: readonly ErpUser[];
  clock: () => number;
  /** How old Created may be. */
  maxAgeMs: number;
  /** How far ahead of our clock Created may be. */
  maxFutureSkewMs: number;
};

const CREATED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** soap's parser gives an element with attributes as `{attributes, $value}` and a bare one as its text. */
function valueAndType(element: SoapValue, attribute: string): { value: string; type: string } {
  if (isSoapObject(element)) {
    const attributes = element.attributes;
    const type = isSoapObject(attributes) ? asText(attributes[attribute]) : '';
    return { value: asText(element.$value), type };
  }
  return { value: asText(element), type: '' };
}

const sameText = (left: string, right: string): boolean => {
  const a = Buffer.from(left);
  const b = Buffer.from(right);
  return a.length === b.length && timingSafeEqual(a, b);
};

export function passwordDigest(nonceBase64: string, created: string, password: string): string {
  return createHash('sha1')
    .update(Buffer.concat([Buffer.from(nonceBase64, 'base64'), Buffer.from(created), Buffer.from(password)]))
    .digest('base64');
}

/** Returns a check that throws a Client fault unless the Security header carries a valid UsernameToken. */
export function createUsernameTokenCheck(policy: UsernameTokenPolicy): (security: SoapValue) => ErpUser {
  // nonce -> when it may be forgotten (its token's Created has aged out by then, so a replay fails anyway).
  const seenNonces = new Map<string, number>();

  const deny = (reason: string): SoapFault => clientFault('The security token could not be authenticated or authorized.', reason);

  return (security) => {
    const now = policy.clock();
    for (const [nonce, forgetAt] of seenNonces) if (forgetAt <= now) seenNonces.delete(nonce);

    if (!isSoapObject(security)) throw deny('The message has no WS-Security header (wsse:Security).');
    const token = security.UsernameToken;
    if (!isSoapObject(token)) throw deny('The WS-Security header has no single UsernameToken.');
    const username = asText(token.Username);
    const password = valueAndType(token.Password, 'Type');
    const nonce = valueAndType(token.Nonce, 'EncodingType').value;
    const created = asText(token.Created);
    const digest = password.type.endsWith('#PasswordDigest');
    if (!digest && password.type !== '' && !password.type.endsWith('#PasswordText')) {
      throw deny(`The password type "${password.type}" is not supported; use PasswordText or PasswordDigest.`);
    }
    if (username === '' || password.value === '') throw deny('The UsernameToken has no Username or Password.');
    if (digest && (nonce === '' || created === '')) throw deny('A PasswordDigest needs a Nonce and a Created.');

    let createdAt: number | undefined;
    if (created !== '') {
      createdAt = CREATED.test(created) ? Date.parse(created) : Number.NaN;
      if (Number.isNaN(createdAt)) throw deny(`Created "${created}" is not an xsd:dateTime.`);
      if (now - createdAt > policy.maxAgeMs) {
        throw deny(`The UsernameToken is too old: Created ${created} is more than ${policy.maxAgeMs / 1000} s ago.`);
      }
      if (createdAt - now > policy.maxFutureSkewMs) {
        throw deny(`The UsernameToken's Created ${created} is in the future.`);
      }
    }
    // Kept as a copy of its own: the parsed value is a slice that would keep the whole request's XML alive for the
    // five minutes the nonce is remembered.
    const seenAs = Buffer.from(nonce).toString();
    if (nonce !== '' && seenNonces.has(seenAs)) throw deny('The nonce has already been used (replayed request).');

    const user = policy.users.find((candidate) => candidate.username === username);
    const expected = user && (digest ? passwordDigest(nonce, created, user.password) : user.password);
    if (!user || expected === undefined || !sameText(password.value, expected)) {
      throw deny('The username or password is incorrect.');
    }
    if (nonce !== '') seenNonces.set(seenAs, (createdAt ?? now) + policy.maxAgeMs + policy.maxFutureSkewMs);
    return user;
  };
}
