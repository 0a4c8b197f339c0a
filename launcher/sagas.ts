/**
 * Wires the sagas of the sync subgraph: their migrations, the engine, and the vendor writes through the gateway
 * with sync's service identity (launcher/service.ts). Without one, the saga mutations refuse with an error that
 * says so.
 */
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
import { readServiceConfig } from '../sync/index.js';
import { serviceGateway, serviceIdentity } from './service.js';

export type StartedSagas = {
  engine: SagaEngine;
  /** Points the writes at the gateway and starts recovering interrupted sagas (once the gateway listens); answers the stop. */
  connect(gatewayUrl: string): Promise<() => Promise<void>>;
  close(): Promise<void>;
};

/** The saga engine over `db`, or undefined (with a warning) when there is no service identity. */
export async function startSagas(source: Env, log: Logger, db: Database): Promise<StartedSagas | undefined> {
  const config = readSagaConfig(source);
  const service = readServiceConfig(source);
  const identity = serviceIdentity(source, service);
  if (!identity) {
    log.warn('sagas off: set SYNC_SERVICE_TOKEN (a token with the scopes in README) for onboardCustomer / offboardCustomer');
    return undefined;
  }
  await migrate(db, 'sagas', SAGA_MIGRATIONS);
  const { gateway, connect } = serviceGateway(service, identity);
  const vendors = createGatewayVendors({ gateway });
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
      connect(gatewayUrl);
      // PGlite is this process's own database: whoever held a saga's lease is gone, so every unfinished one is
      // taken at once. On PostgreSQL other processes may be alive: only sagas whose lease ran out.
      await engine.startRecovery(config.recoveryIntervalMs, { takeAll: db.kind === 'pglite' });
      return () => engine.close();
    },
    close: () => engine.close(),
  };
}
