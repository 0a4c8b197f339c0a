// sync/'s public face, for the launcher and the CLI.
export { createSyncEngine, SYNC_QUEUE, SYNC_AUDIT_QUEUE, type SyncEngine, type PropagateJob, type SyncCounters } from './engine.js';
export { createGatewayClient, GatewayError, type GatewayClient, type ServiceIdentity } from './gateway.js';
export { loadRules, parseRules, RulesError, DEFAULT_RULES_FILE, type SyncRules, type FieldRule, type System } from './rules.js';
export { readServiceConfig, readSyncConfig, type ServiceConfig, type SyncConfig } from './config.js';
export { SYNC_MIGRATIONS } from './migrations.js';
export { createCustomerSyncReader } from './store.js';
export { runAudit, fixJobs, toCsv, compareCustomer, type AuditResult, type Difference } from './audit.js';
