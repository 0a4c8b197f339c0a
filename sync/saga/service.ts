import type { Json, OffboardInput, OnboardInput, SagaOutcome, SagaService } from '../../platform/index.js';
import type { SagaEngine } from './engine.js';
import { OFFBOARD_KIND, offboardResult } from './offboard.js';
import { ONBOARD_KIND, onboardResult } from './onboard.js';

/**
 * The sagas as the sync subgraph starts them (platform/sync.ts's SagaService): the engine's outcome with its
 * result read out of the steps' results. A key reused for another request raises IdempotencyKeyReusedError.
 */
export function createSagaService(engine: SagaEngine): SagaService {
  async function start<Result>(kind: string, input: Json, key: string, resultOf: (results: Json) => Result): Promise<SagaOutcome<Result>> {
    const { saga, replayed } = await engine.start(kind, input, key);
    return { saga, replayed, result: resultOf(saga.result) };
  }
  return {
    onboard: (input: OnboardInput, key) => start(ONBOARD_KIND, input as Json, key, onboardResult),
    offboard: (input: OffboardInput, key) => start(OFFBOARD_KIND, { customerId: input.customerId }, key, offboardResult),
    get: async (id) => (await engine.get(id)) ?? null,
  };
}
