export { createSagaEngine, StepRefusedError, RetryLaterError, type SagaEngine, type SagaDefinition, type SagaStep } from './engine.js';
export { SAGA_MIGRATIONS } from './migrations.js';
export { onboardSaga, derivedErpNumber, ONBOARD_KIND } from './onboard.js';
export { offboardSaga, OFFBOARD_KIND } from './offboard.js';
export { createGatewayVendors, type SagaVendors } from './vendors.js';
export { readSagaConfig, type SagaConfig } from './config.js';
export { createSagaService } from './service.js';
