/**
 * The stack runs in production, where the development issuer is refused; customer sync and the sagas still call
 * the gateway as a service user. So the soak is its own issuer, as an operator's identity provider would be: a key
 * pair, the gateway trusting its public key (JWT_PUBLIC_KEY, JWT_ISSUER), and one service token signed with it
 * (SYNC_SERVICE_TOKEN) carrying the scopes the launcher gives the service user.
 */
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { SYNC_SCOPES } from '../../launcher/service.js';

const ISSUER = 'https://idp.soak.invalid/';

export async function soakIssuerEnv(hours: number): Promise<Record<string, string>> {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const token = await new SignJWT({ scope: SYNC_SCOPES })
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT' })
    .setSubject('service:sync')
    .setIssuer(ISSUER)
    .setAudience('interchange')
    .setIssuedAt()
    .setExpirationTime(`${Math.ceil(hours * 3600)}s`)
    .sign(privateKey);
  return { JWT_PUBLIC_KEY: await exportSPKI(publicKey), JWT_ALGORITHM: 'ES256', JWT_ISSUER: ISSUER, SYNC_SERVICE_TOKEN: token };
}
