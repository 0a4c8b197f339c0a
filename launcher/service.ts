/**
 * sync/'s one service identity, for customer sync (propagation, audit) and the sagas alike:
 * - SYNC_SERVICE_TOKEN when set (production: a JWT from your issuer with the scopes below);
 * - else, where the gateway trusts the development issuer (not in production), a token minted here for the
 *   subject `service:sync`, renewed before it expires.
 * It lives in the launcher because the development issuer is the gateway's (gateway/dev-issuer.ts).
 */
import { loadDevKeys, mintDevToken } from '../gateway/dev-issuer.js';
import { readGatewayConfig } from '../gateway/index.js';
import type { Env } from '../platform/index.js';
import { createGatewayClient, type GatewayClient, type ServiceConfig, type ServiceIdentity } from '../sync/index.js';

/** What the service user needs: read the three systems, write customers (and billing) in each. */
export const SYNC_SCOPES = 'crm:read billing:read orders:read customers:write billing:write';

const TOKEN_LIFETIME_SECONDS = 3600;

/** The service identity, or null when there is neither SYNC_SERVICE_TOKEN nor a development issuer. */
export function serviceIdentity(source: Env, config: ServiceConfig): ServiceIdentity | null {
  const apiKey = config.apiKey ? { apiKey: config.apiKey } : {};
  if (config.serviceToken) {
    const token = config.serviceToken;
    return { token: async () => token, ...apiKey };
  }
  let users;
  try {
    users = readGatewayConfig(source).users;
  } catch {
    // The sync subgraph alone may run without the gateway's settings: then only SYNC_SERVICE_TOKEN can identify it.
    return null;
  }
  if (users?.keys.kind !== 'dev') return null;
  const keyFile = users.keys.keyFile;
  let cached: { token: string; renewAt: number } | undefined;
  return {
    ...apiKey,
    async token() {
      if (!cached || Date.now() >= cached.renewAt) {
        const token = await mintDevToken(await loadDevKeys(keyFile), {
          sub: 'service:sync',
          scope: SYNC_SCOPES,
          expiresInSeconds: TOKEN_LIFETIME_SECONDS,
        });
        cached = { token, renewAt: Date.now() + (TOKEN_LIFETIME_SECONDS - 300) * 1000 };
      }
      return cached.token;
    },
  };
}

/**
 * The gateway client with that identity, to SYNC_GATEWAY_URL or else the gateway `connect` names once it listens
 * (the embedded stack starts the gateway after the subgraphs).
 */
export function serviceGateway(
  config: ServiceConfig,
  identity: ServiceIdentity,
): { gateway: GatewayClient; connect(gatewayUrl: string): void } {
  let url = config.gatewayUrl;
  return {
    gateway: createGatewayClient({ url: () => url, identity }),
    connect(gatewayUrl) {
      url ??= gatewayUrl;
    },
  };
}
