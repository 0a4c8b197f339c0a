import { createStripeEmulator, DEFAULT_STRIPE_PORT, type StripeEmulator } from '../emulators/stripe/index.js';
import type { Env, Logger } from '../platform/index.js';
import { readSubgraphRuntime } from '../subgraphs/kit/index.js';
import { createPaymentsSubgraph, readPaymentsConfig } from '../subgraphs/payments/index.js';
import { unpaced, type PartOptions, type StartedPart } from './part.js';

export const STRIPE_EMULATOR_PORT = DEFAULT_STRIPE_PORT;

/** The key the emulator accepts by default. */
const EMULATOR_KEY = 'sk_test_emulator';

/** The payments subgraph, over Stripe when STRIPE_BASE_URL is set, else over a Stripe emulator started here. */
export async function startPayments(env: Env, log: Logger, options: PartOptions): Promise<StartedPart<StripeEmulator>> {
  const config = readPaymentsConfig(env);
  const shared = { log, state: options.state, runtime: readSubgraphRuntime(env), telemetry: options.telemetry, admin: options.admin };
  if (config.baseUrl && config.secretKey) {
    return {
      server: await createPaymentsSubgraph({ config: { ...config, baseUrl: config.baseUrl, secretKey: config.secretKey }, ...shared }),
    };
  }
  if (config.secretKey) {
    // No base URL means the emulator, whatever the key: a configured key never reaches a stand-in by accident.
    log.warn('STRIPE_SECRET_KEY is set but STRIPE_BASE_URL is not: using the Stripe emulator and its own key');
  }
  const emulator = createStripeEmulator({
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.emulatorRateLimits ? {} : { rateLimitPerSecond: 0, searchRateLimitPerSecond: 0 }),
    ...(options.emulatorSearchLagMs === undefined ? {} : { searchLagMs: options.emulatorSearchLagMs }),
  });
  const baseUrl = await emulator.listen(options.ephemeral ? 0 : STRIPE_EMULATOR_PORT);
  try {
    return {
      server: await createPaymentsSubgraph({
        config: { ...config, baseUrl, secretKey: EMULATOR_KEY, ...unpaced(options, config.quota) },
        ...shared,
      }),
      emulator,
    };
  } catch (error) {
    await emulator.close();
    throw error;
  }
}
