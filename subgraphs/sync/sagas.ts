/**
 * The saga mutations of the sync subgraph: input checks, then the sagas (sync/saga/, handed in by the launcher);
 * the saga's state becomes the payload, or the typed error (SAGA_FAILED naming the system, SAGA_IN_PROGRESS,
 * IDEMPOTENCY_KEY_REUSED).
 */
import { z } from 'zod';
import {
  ErrorCode,
  IdempotencyKeyReusedError,
  type OnboardInput,
  type SagaOutcome,
  type SagaService,
  type SagaView,
} from '../../platform/index.js';
import { BadUserInputError, InterchangeError, optionalCountryCode, optionalText as text, validInput } from '../kit/index.js';
import type { MutationResolvers, QueryResolvers, Saga, SagaStatus, SagaStepStatus } from './__generated__/resolvers.js';
import type { Context } from './context.js';

/** Checks beyond the schema's scalars, to the tightest of the three systems' limits; problems name the field. */
const onboardInput = z.object({
  email: z.string().trim().min(3).max(80, 'must be at most 80 characters (the ERP keeps 80)'),
  firstName: text(100),
  lastName: text(100),
  phone: text(30),
  address: text(100),
  city: text(30),
  country: optionalCountryCode(),
  currency: z.string().nullish(),
  creditLimit: z.number().int().min(0, 'must not be negative').nullish(),
  erpCustomerNumber: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9-]{1,20}$/, 'must be 1 to 20 letters, digits or dashes')
    .nullish(),
});
const offboardInput = z.object({ customerId: z.string().regex(/^\d+$/, 'must be a CRM contact id') });

/**
 * The idempotency key, trimmed (BAD_USER_INPUT unless 1 to 200 characters), held per caller as Stripe holds
 * keys per account: one caller's key never answers, or blocks, another caller's saga. The caller is the JWT
 * user, else the API client, as the gateway names them.
 */
function keyOf(idempotencyKey: string, caller: Context['caller']): string {
  const key = idempotencyKey.trim();
  if (key.length === 0 || key.length > 200) throw new BadUserInputError('idempotencyKey must be 1 to 200 characters.', 'idempotencyKey');
  const owner = caller.user !== undefined ? `user:${caller.user}` : caller.client !== undefined ? `client:${caller.client}` : 'anonymous';
  return `${owner} ${key}`;
}

/** Strings trimmed, empty ones dropped: the saga's input is stored as the vendors will receive it. */
function normalized(input: OnboardInput): OnboardInput {
  const entries = Object.entries(input)
    .map(([name, value]) => [name, typeof value === 'string' ? value.trim() : value] as const)
    .filter(([, value]) => value !== '' && value !== null && value !== undefined);
  const result = Object.fromEntries(entries) as OnboardInput;
  return {
    ...result,
    email: result.email.toLowerCase(),
    ...(result.erpCustomerNumber ? { erpCustomerNumber: result.erpCustomerNumber.toUpperCase() } : {}),
  };
}

/** The saga as the schema's Saga. */
export function toSaga(saga: SagaView): Saga {
  return {
    id: saga.id,
    kind: saga.kind,
    status: saga.status.toUpperCase() as SagaStatus,
    steps: saga.steps.map((step) => ({
      name: step.name,
      system: step.system,
      status: step.status.toUpperCase() as SagaStepStatus,
      attempts: step.attempts,
      result: step.result,
      error: step.error,
      compensationError: step.compensationError,
    })),
    error: saga.error,
    createdAt: saga.createdAt.toISOString(),
    updatedAt: saga.updatedAt.toISOString(),
    finishedAt: saga.finishedAt ? saga.finishedAt.toISOString() : null,
  };
}

/** The outcome as a payload, or the typed error of a failed or still running saga. */
function settled<Result>(outcome: SagaOutcome<Result>): { saga: Saga; result: Result; replayed: boolean } {
  const { saga, replayed, result } = outcome;
  if (saga.status === 'completed') return { saga: toSaga(saga), result, replayed };
  if (saga.status === 'running' || (saga.status === 'compensating' && saga.error === null)) {
    throw new InterchangeError(
      ErrorCode.SAGA_IN_PROGRESS,
      'The saga is still running; send the same idempotency key again for its outcome.',
      {
        extensions: { sagaId: saga.id },
      },
    );
  }
  const failure = saga.error!;
  const undone = saga.status === 'failed';
  throw new InterchangeError(
    ErrorCode.SAGA_FAILED,
    `${saga.kind} failed at ${failure.system} (${failure.step}): ${failure.message} ${undone ? 'Everything done before was undone.' : 'Undoing what was done is not finished yet; it is retried.'}`,
    { extensions: { sagaId: saga.id, system: failure.system, step: failure.step, reason: failure.code, compensated: undone } },
  );
}

async function run<Result>(start: () => Promise<SagaOutcome<Result>>): Promise<SagaOutcome<Result>> {
  try {
    return await start();
  } catch (error) {
    if (error instanceof IdempotencyKeyReusedError) {
      throw new InterchangeError(ErrorCode.IDEMPOTENCY_KEY_REUSED, error.message, {
        extensions: { sagaId: error.sagaId, field: 'idempotencyKey' },
      });
    }
    throw error;
  }
}

/** Without a database (EVENTS=false) there is nowhere to keep a saga's state: the mutations refuse. */
function servedBy(sagas: SagaService | undefined): SagaService {
  if (sagas) return sagas;
  throw new InterchangeError(
    ErrorCode.UPSTREAM_UNAVAILABLE,
    'Sagas need the database and the service identity (see README, "Onboarding and offboarding"); this deployment has neither.',
    { upstream: 'database' },
  );
}

export function sagaResolvers(sagas: SagaService | undefined): { Query: QueryResolvers; Mutation: MutationResolvers } {
  return {
    Query: {
      saga: async (_, { id }) => {
        const saga = await servedBy(sagas).get(id);
        return saga ? toSaga(saga) : null;
      },
    },
    Mutation: {
      onboardCustomer: async (_, { input, idempotencyKey }, { caller }) => {
        const key = keyOf(idempotencyKey, caller);
        validInput(onboardInput, input);
        const service = servedBy(sagas);
        const { saga, result: ids, replayed } = settled(await run(() => service.onboard(normalized(input as OnboardInput), key)));
        return {
          saga,
          customer: { id: ids.contactId },
          stripeCustomerId: ids.stripeCustomerId,
          erpCustomerNumber: ids.erpCustomerNumber,
          replayed,
        };
      },
      offboardCustomer: async (_, { input, idempotencyKey }, { caller }) => {
        const key = keyOf(idempotencyKey, caller);
        validInput(offboardInput, input);
        const service = servedBy(sagas);
        const { saga, result: outcome, replayed } = settled(await run(() => service.offboard({ customerId: input.customerId }, key)));
        return {
          saga,
          customer: { id: input.customerId },
          canceledSubscriptionIds: outcome.canceledSubscriptionIds,
          blockedErpCustomerNumber: outcome.blockedErpCustomerNumber,
          replayed,
        };
      },
    },
  };
}
