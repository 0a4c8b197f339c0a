/**
 * Wires the sagas of the sync subgraph: their migrations, the engine, the vendor writes through the gateway, and
 * the service identity those writes carry:
 * - SYNC_SERVICE_TOKEN when set (production: a JWT from your issuer with the scopes below);
 * - else, where the gateway trusts the development issuer (not in production), a token it mints itself for the
 *   subject `service:sync`, renewed before it expires.
 * Without either, the saga mutations refuse with an error that says so.
 */
import { loadDevKeys, mintDevToken } from '../gateway/dev-issuer.js';
import { readGatewayConfig } from '../gateway/index.js';
import { migrate, type Database, type Env, type Logger } from '../platform/index.js';
import {
  SAGA_MIGRATIONS,
  createGatewayVendors,
  createSagaEngine,
  offboardSaga,
  onboardSaga,
  readSagaConfig,
  type SagaEngine,
} from '../sync/saga/index.js';

/** What the sagas' writes need: read and write customers, billing and the ERP customer. */
export const SYNC_SERVICE_SCOPES = ['crm:read', 'customers:write', 'billing:read', 'billing:write', 'orders:read'];

const TOKEN_LIFETIME_SECONDS = 3600;

/** The service identity's token source, or undefined when there is none. */
function serviceToken(source: Env, configured: string | undefined): (() => Promise<string>) | undefined {
  if (configured) return async () => configured;
  let users;
  try {
    users = readGatewayConfig(source).users;
  } catch {
    // The sync subgraph alone may run without the gateway's settings: then only SYNC_SERVICE_TOKEN can identify it.
    return undefined;
  }
  if (users?.keys.kind !== 'dev') return undefined;
  const keyFile = users.keys.keyFile;
  let cached: { token: string; renewAt: number } | undefined;
  return async () => {
    if (!cached || Date.now() >= cached.renewAt) {
      const token = await mintDevToken(await loadDevKeys(keyFile), {
        sub: 'service:sync',
        scope: SYNC_SERVICE_SCOPES.join(' '),
        expiresInSeconds: TOKEN_LIFETIME_SECONDS,
      });
      cached = { token, renewAt: Date.now() + (TOKEN_LIFETIME_SECONDS - 300) * 1000 };
    }
    return cached.token;
  };
}

export type StartedSagas = {
  engine: SagaEngine;
  /** Points the writes at the gateway and starts recovering interrupted sagas (once the gateway listens); answers the stop. */
  connect(gatewayUrl: string): Promise<() => Promise<void>>;
  close(): Promise<void>;
};

/** The saga engine over `db`, or undefined (with a warning) when there is no service identity. */
export async function startSagas(source: Env, log: Logger, db: Database): Promise<StartedSagas | undefined> {
  const config = readSagaConfig(source);
  const token = serviceToken(source, config.serviceToken);
  if (!token) {
    log.warn('sagas off: set SYNC_SERVICE_TOKEN (a token with the scopes in README) for onboardCustomer / offboardCustomer');
    return undefined;
  }
  await migrate(db, 'sagas', SAGA_MIGRATIONS);
  const gateway = { url: config.gatewayUrl ?? '' };
  const vendors = createGatewayVendors({
    gatewayUrl: () => {
      if (!gateway.url) throw new Error('the sagas have no gateway to write through yet (SYNC_GATEWAY_URL)');
      return gateway.url;
    },
    token,
    ...(config.apiKey ? { apiKey: config.apiKey } : {}),
  });
  const engine = createSagaEngine({
    db,
    log,
    definitions: [onboardSaga(vendors), offboardSaga(vendors)],
    leaseMs: config.leaseMs,
    retryCompensationMs: config.retryMs,
    resumeWithinMs: config.resumeWithinMs,
    waitMs: config.waitMs,
  });
  return {
    engine,
    async connect(gatewayUrl) {
      gateway.url = config.gatewayUrl ?? gatewayUrl;
      // PGlite is this process's own database: whoever held a saga's lease is gone, so every unfinished one is
      // taken at once. On PostgreSQL other processes may be alive: only sagas whose lease ran out.
      await engine.startRecovery(config.recoveryIntervalMs, { takeAll: db.kind === 'pglite' });
      return () => engine.close();
    },
    close: () => engine.close(),
  };
}
