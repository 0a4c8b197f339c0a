/**
 * The contract between customer sync (sync/: the sync records, the saga engine) and the sync subgraph
 * (subgraphs/sync/: Customer.sync and the saga mutations). It lives here because neither side may import the
 * other: the launcher builds the reader and the saga service from sync/ and hands them to the subgraph.
 */

/** A JSON value as the saga store keeps it (step results, input). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** What the sync records say about one customer: the `Customer.sync` answer before mapping. */
export type CustomerSyncRecord = {
  pending: number;
  failed: number;
  lastSyncedAt: Date | null;
  drift: Array<{ field: string; system: string; expected: string | null; actual: string | null }>;
  /** Whether sync has ever seen the customer (a link, a write or an audit). */
  known: boolean;
};

/** Reads the sync records of many customers at once (the subgraph's DataLoader batch), by contact id. */
export interface CustomerSyncReader {
  read(contactIds: readonly string[]): Promise<Map<string, CustomerSyncRecord>>;
}

export type SagaStatus = 'running' | 'compensating' | 'completed' | 'failed';
export type StepStatus = 'started' | 'done' | 'failed' | 'compensated';

/** What the caller is told when a saga failed: which system, which code, what it said. */
export type SagaFailure = { system: string; step: string; code: string; message: string };

/** A saga as the subgraph shows it (the engine's record has more: its lease, its input). */
export type SagaView = {
  id: string;
  kind: string;
  status: SagaStatus;
  result: Json;
  error: SagaFailure | null;
  steps: ReadonlyArray<{
    name: string;
    system: string;
    status: StepStatus;
    attempts: number;
    result: Json;
    error: string | null;
    compensationError: string | null;
  }>;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
};

/** A saga's outcome for its caller; `result` is read from the steps' results (complete once the saga completed). */
export type SagaOutcome<Result> = {
  saga: SagaView;
  /** The key was seen before: this is the first request's saga (finished, or still running elsewhere). */
  replayed: boolean;
  result: Result;
};

/** onboardCustomer's input, checked and normalized by the subgraph: what the three vendors will receive. */
export type OnboardInput = {
  email: string;
  firstName?: string | null;
  lastName?: string | null;
  phone?: string | null;
  address?: string | null;
  city?: string | null;
  country?: string | null;
  currency?: string | null;
  creditLimit?: number | null;
  erpCustomerNumber?: string | null;
};

export type OnboardResult = { contactId: string; stripeCustomerId: string; erpCustomerNumber: string };
export type OffboardInput = { customerId: string };
export type OffboardResult = { canceledSubscriptionIds: string[]; blockedErpCustomerNumber: string | null };

/** The sagas the subgraph's mutations start; each waits for the outcome (or answers it still running). */
export interface SagaService {
  onboard(input: OnboardInput, idempotencyKey: string): Promise<SagaOutcome<OnboardResult>>;
  offboard(input: OffboardInput, idempotencyKey: string): Promise<SagaOutcome<OffboardResult>>;
  get(id: string): Promise<SagaView | null>;
}

/** Raised when a key comes back with another kind or input than the saga it first started. */
export class IdempotencyKeyReusedError extends Error {
  constructor(readonly sagaId: string) {
    super('This idempotency key was used for a different request; use a new key for a new request.');
    this.name = 'IdempotencyKeyReusedError';
  }
}
