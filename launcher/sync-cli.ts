/**
 * `npm run sync -- audit [--fix] [--csv FILE]`: compares every linked customer across HubSpot, Stripe and the ERP
 * (through the gateway at SYNC_GATEWAY_URL, default the local one, as sync's service user), shows a progress bar,
 * prints a summary table, writes the differences as CSV (default sync-drift.csv), stores them as each customer's
 * drift (Customer.sync), and with --fix enqueues the owner's values for the workers to write. It opens the
 * database in DATABASE_URL (or the embedded PGlite folder, which only one process can open: stop `npm start`).
 */
import { Presets, SingleBar } from 'cli-progress';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createEventPipeline } from '../events/index.js';
import { readGatewayConfig } from '../gateway/index.js';
import { ConfigError, createLogger, createMemoryState, loadEnvFile, migrate, openDatabase, readDatabaseConfig } from '../platform/index.js';
import {
  DEFAULT_RULES_FILE,
  SYNC_MIGRATIONS,
  createGatewayClient,
  createSyncEngine,
  fixJobs,
  loadRules,
  readSyncConfig,
  runAudit,
  toCsv,
} from '../sync/index.js';
import { serviceIdentity } from './service.js';

const USAGE = 'usage: npm run sync -- audit [--fix] [--csv FILE]';

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { fix: { type: 'boolean', default: false }, csv: { type: 'string', default: 'sync-drift.csv' } },
  });
  if (positionals[0] !== 'audit' || positionals.length > 1) {
    console.error(USAGE);
    return 2;
  }
  const config = readSyncConfig(process.env);
  const rules = loadRules(config.rulesFile ?? DEFAULT_RULES_FILE);
  const identity = serviceIdentity(process.env, config);
  if (!identity) throw new ConfigError(["SYNC_SERVICE_TOKEN: the audit reads through the gateway as sync's service user; set a token"]);
  const url = config.gatewayUrl ?? `http://127.0.0.1:${readGatewayConfig(process.env).port}`;
  const gateway = createGatewayClient({ url: () => url, identity });
  const db = await openDatabase(readDatabaseConfig(process.env));
  try {
    await migrate(db, 'sync', SYNC_MIGRATIONS);
    const bar = new SingleBar({ format: 'auditing {bar} {value}/{total} customers', hideCursor: true }, Presets.shades_classic);
    let started = false;
    const result = await runAudit({
      db,
      gateway,
      rules,
      onProgress(done, total) {
        if (!started) {
          bar.start(total, 0);
          started = true;
        }
        bar.setTotal(total);
        bar.update(done);
      },
    });
    if (started) bar.stop();
    writeFileSync(values.csv, toCsv(result.differences));
    console.log(`${result.customers} customers read, ${result.linked} linked to billing or ERP, ${result.differences.length} differences.`);
    if (result.summary.length > 0) console.table(result.summary);
    console.log(`Differences written to ${values.csv}.`);
    if (values.fix && result.differences.length > 0) {
      const log = createLogger({ name: 'sync-cli', level: 'warn' });
      // Only to enqueue: the workers of `npm start` (or `npm start -- worker`) write the owner's values.
      const pipeline = await createEventPipeline({ db, state: createMemoryState(), log });
      try {
        const engine = createSyncEngine({ db, rules, gateway, log });
        await engine.attach(pipeline.boss);
        const jobs = fixJobs(result, randomUUID());
        await engine.enqueue(jobs);
        console.log(`Enqueued ${jobs.length} fix(es): the owner's values, written by the sync workers.`);
      } finally {
        await pipeline.close();
      }
    }
    return 0;
  } finally {
    await db.close();
  }
}

loadEnvFile(process.env.ENV_FILE ?? '.env');
try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  console.error(error instanceof ConfigError || error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
