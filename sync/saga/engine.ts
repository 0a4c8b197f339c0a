/**
 * The saga engine: a saga is a list of steps, each with its compensation, run in order with its state in the
 * database step by step (store.ts). A step's failure compensates the steps before it in reverse and ends the
 * saga `failed` with the failure naming its system; the same idempotency key answers the first outcome, a
 * failure included.
 *
 * Crashes. Every step row is written `started` before its side effect and `done` (with the ids it created)
 * after, so a process that dies leaves a saga `running` or `compensating` with its lease running out. The next
 * process to start (and every process, on an interval) takes over sagas whose lease ran out:
 * - `running` sagas continue forward. Every step is safe to repeat (Stripe's Idempotency-Key from saga id and
 *   step, the ERP number derived from the saga id, the HubSpot contact found by email after a checkpoint), so
 *   finishing is what the caller asked for, and a caller whose request was cut off gets the outcome by sending its
 *   key again. Forward stops being safe once the vendors forget the keys (Stripe: 24 hours): a saga older than
 *   `resumeWithinMs` compensates instead.
 * - `compensating` sagas continue compensating; a compensation that fails (the vendor is down) is tried again
 *   after `retryCompensationMs`, by whichever process takes the lease then, until it succeeds.
 *
 * One code path: the request that starts a saga runs it in its own process (the caller waits for the outcome,
 * no queue's polling interval in between), and recovery runs the very same `drive` on a saga it took over.
 * The lease is one row update, not a job queue: the saga row is already the durable record of the work.
 */
import { createHash, randomUUID } from 'node:crypto';
import { IdempotencyKeyReusedError, type Database, type Logger, type Queryable } from '../../platform/index.js';
import { LeaseLostError, createSagaStore, type Json, type SagaFailure, type SagaRow, type StepRow } from './store.js';

export type StepContext<Input> = {
  sagaId: string;
  input: Input;
  /** The results of the steps before this one, by step name. */
  results: Readonly<Record<string, Json>>;
  /** 1 on the first attempt; more when an earlier attempt started and its outcome is unknown (a crash). */
  attempt: number;
  /** What this step recorded with `checkpoint` on an earlier attempt; undefined on a first attempt. */
  progress: Json | undefined;
  /** Stores what the step checked before its side effect, so that a repeat after a crash can tell what happened. */
  checkpoint(progress: Json): Promise<void>;
  /** Unique to this saga and step: the vendor idempotency key (Stripe's Idempotency-Key) of its write. */
  key: string;
  /** In a compensation: the error code the step's run failed with (undefined when it was done or cut off). */
  failedWith: string | undefined;
};

export type SagaStep<Input> = {
  name: string;
  /** The vendor a failure of this step names (`extensions.system`): hubspot, stripe, erp. */
  system: string;
  /** Does the step's work and answers what it created (ids). Must be safe to repeat (see StepContext.attempt). */
  run(context: StepContext<Input>): Promise<Json>;
  /**
   * Undoes the step. `result` is undefined when the step started but its outcome is unknown: find what it may
   * have created by its key. Must be safe to repeat, and succeed when there is nothing to undo.
   */
  compensate?(context: StepContext<Input>, result: Json | undefined): Promise<void>;
};

export type SagaDefinition<Input> = {
  kind: string;
  steps: ReadonlyArray<SagaStep<Input>>;
};

/**
 * Raised by a step that decided not to act (the customer exists already, the input is refused): nothing was
 * done, so the step needs no compensation. `code` is the error code the caller sees.
 */
export class StepRefusedError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'StepRefusedError';
  }
}

/**
 * Raised by a step past the point of no return (subscriptions already canceled): the saga is not undone but
 * stays running, and the step is tried again after `retryCompensationMs` by whichever process takes it then.
 */
export class RetryLaterError extends Error {
  constructor(override readonly cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'RetryLaterError';
  }
}

/** A saga as the engine reports it: the row and its steps. */
export type SagaRecord = SagaRow & { steps: StepRow[] };

export type StartedSaga = {
  saga: SagaRecord;
  /** The key was seen before: this is the first request's saga (finished, or still running elsewhere). */
  replayed: boolean;
};

export type SagaEngineOptions = {
  db: Database;
  log: Logger;
  definitions: ReadonlyArray<SagaDefinition<never>>;
  /** How long a process holds a saga without writing to it before another may take it over; default 60 s. */
  leaseMs?: number;
  /** A failed compensation is tried again after this; default 30 s. */
  retryCompensationMs?: number;
  /** A saga found running after a crash continues forward if younger than this, else compensates; default 12 h. */
  resumeWithinMs?: number;
  /** How long `start` waits for the outcome before answering with the saga still running; default 20 s. */
  waitMs?: number;
  /** The clock; default the system's. */
  now?: () => Date;
};

export type SagaEngine = {
  /**
   * Starts the saga of this key (or joins the one an earlier request started) and answers its outcome once it
   * finished, or after `waitMs` with the saga still running (it goes on in the background).
   */
  start(kind: string, input: Json, idempotencyKey: string): Promise<StartedSaga>;
  get(id: string): Promise<SagaRecord | undefined>;
  /** Takes over and drives the unfinished sagas whose lease ran out (every unfinished one with `takeAll`). */
  recover(options?: { takeAll?: boolean }): Promise<number>;
  /** Recovers now and every `intervalMs` until close. */
  startRecovery(intervalMs: number, options?: { takeAll?: boolean }): Promise<void>;
  /** Stops recovering and waits for the sagas this process is driving. */
  close(): Promise<void>;
};

const hashOf = (kind: string, input: Json): string =>
  createHash('sha256').update(kind).update('\0').update(JSON.stringify(input)).digest('hex');

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The failure the caller is told: the step's system, and the code its error carried. */
function failureOf(step: SagaStep<never>, error: unknown): SagaFailure {
  const code =
    error instanceof StepRefusedError
      ? error.code
      : typeof (error as { code?: unknown }).code === 'string'
        ? (error as { code: string }).code
        : 'INTERNAL_SERVER_ERROR';
  return { system: step.system, step: step.name, code, message: messageOf(error) };
}

export function createSagaEngine(options: SagaEngineOptions): SagaEngine {
  const store = createSagaStore(options.db);
  const log = options.log.child({ part: 'sagas' });
  const now = options.now ?? (() => new Date());
  const leaseMs = options.leaseMs ?? 60_000;
  const retryCompensationMs = options.retryCompensationMs ?? 30_000;
  const resumeWithinMs = options.resumeWithinMs ?? 12 * 3600_000;
  const waitMs = options.waitMs ?? 20_000;
  const owner = `${process.pid}:${randomUUID()}`;
  const definitions = new Map(options.definitions.map((definition) => [definition.kind, definition as SagaDefinition<Json>]));
  /** The sagas this process is driving, by id: a second request with the same key waits on the same promise. */
  const driving = new Map<string, Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const leaseEnd = () => new Date(now().getTime() + leaseMs);
  const owned = <T>(id: string, work: (tx: Queryable) => Promise<T>) => store.owned(id, owner, now(), leaseEnd(), work);

  async function view(id: string): Promise<SagaRecord | undefined> {
    const row = await store.byId(id);
    return row ? { ...row, steps: await store.steps(id) } : undefined;
  }

  function contextFor(saga: SagaRow, position: number, row: StepRow | undefined, results: Record<string, Json>, name: string) {
    return {
      sagaId: saga.id,
      input: saga.input,
      results,
      attempt: row?.attempts ?? 1,
      progress: row?.progress ?? undefined,
      checkpoint: (progress: Json) => owned(saga.id, (tx) => store.stepProgress(tx, saga.id, position, progress)),
      key: `saga:${saga.id}:${name}`,
      failedWith: row?.status === 'failed' ? (row.errorCode ?? undefined) : undefined,
    } satisfies StepContext<Json>;
  }

  /** Keeps the lease while a step's vendor call runs longer than a lease would last. */
  async function withHeartbeat<T>(id: string, work: () => Promise<T>): Promise<T> {
    const beat = setInterval(
      () => {
        owned(id, async () => {}).catch((error: unknown) => log.warn({ err: error, saga: id }, 'saga lease not renewed'));
      },
      Math.max(250, leaseMs / 3),
    );
    try {
      return await work();
    } finally {
      clearInterval(beat);
    }
  }

  /** Runs the saga from wherever its rows say it is, to completed or failed (or a compensation to retry later). */
  async function drive(saga: SagaRow): Promise<void> {
    const definition = definitions.get(saga.kind);
    if (!definition) throw new Error(`saga ${saga.id}: no definition of kind ${saga.kind}`);
    let steps = await store.steps(saga.id);
    const results: Record<string, Json> = {};
    for (const row of steps) if (row.status === 'done') results[row.name] = row.result;

    if (saga.status === 'running') {
      const age = now().getTime() - saga.createdAt.getTime();
      if (saga.runs > 1 && age > resumeWithinMs) {
        const failure = {
          system: 'interchange',
          step: '',
          code: 'SAGA_EXPIRED',
          message: 'The saga was interrupted too long ago to finish it.',
        };
        await owned(saga.id, (tx) => store.compensating(tx, saga.id, failure));
      } else {
        let failed = false;
        for (const [position, step] of definition.steps.entries()) {
          if (steps[position]?.status === 'done') continue;
          const started = await owned(saga.id, (tx) =>
            store.stepStarted(tx, saga.id, { position, name: step.name, system: step.system }, now()),
          );
          const context = contextFor(saga, position, started, results, step.name);
          try {
            const result = await withHeartbeat(saga.id, () => step.run(context));
            await owned(saga.id, (tx) => store.stepDone(tx, saga.id, position, result, now()));
            results[step.name] = result;
          } catch (error) {
            if (error instanceof LeaseLostError) throw error;
            if (error instanceof RetryLaterError) {
              const failure = failureOf(step as SagaStep<never>, error.cause);
              log.warn({ saga: saga.id, kind: saga.kind, failure }, 'saga step failed past the point of no return; retried later');
              const retryAt = new Date(now().getTime() + retryCompensationMs);
              await owned(saga.id, async (tx) => {
                await store.stepFailed(tx, saga.id, position, failure);
                await store.release(tx, saga.id, retryAt, null);
              });
              return;
            }
            const failure = failureOf(step as SagaStep<never>, error);
            log.warn({ saga: saga.id, kind: saga.kind, failure }, 'saga step failed; compensating');
            await owned(saga.id, async (tx) => {
              await store.stepFailed(tx, saga.id, position, failure);
              // A refusal did nothing: it needs no undoing.
              if (error instanceof StepRefusedError) await store.stepCompensated(tx, saga.id, position, now());
              await store.compensating(tx, saga.id, failure);
            });
            failed = true;
            break;
          }
        }
        if (!failed) {
          await owned(saga.id, (tx) => store.finish(tx, saga.id, { status: 'completed', result: results }, now()));
          log.info({ saga: saga.id, kind: saga.kind }, 'saga completed');
          return;
        }
      }
      steps = await store.steps(saga.id);
    }

    // Compensating: every step that may have acted, newest first. One that fails (its vendor is down) does not
    // hold up the others: they are undone now, it is tried again later.
    let pending = 0;
    for (const row of [...steps].reverse()) {
      if (row.status === 'compensated') continue;
      const step = definition.steps[row.position];
      if (!step) continue;
      const context = contextFor(saga, row.position, row, results, step.name);
      try {
        await withHeartbeat(saga.id, async () => step.compensate?.(context, row.status === 'done' ? row.result : undefined));
        await owned(saga.id, (tx) => store.stepCompensated(tx, saga.id, row.position, now()));
      } catch (error) {
        if (error instanceof LeaseLostError) throw error;
        log.error({ err: error, saga: saga.id, step: step.name }, 'saga compensation failed; retried later');
        await owned(saga.id, (tx) => store.stepCompensationFailed(tx, saga.id, row.position, messageOf(error)));
        pending++;
      }
    }
    if (pending > 0) {
      const retryAt = new Date(now().getTime() + retryCompensationMs);
      await owned(saga.id, (tx) => store.release(tx, saga.id, retryAt, false));
      return;
    }
    await owned(saga.id, (tx) => store.finish(tx, saga.id, { status: 'failed' }, now()));
    log.info({ saga: saga.id, kind: saga.kind }, 'saga failed and compensated');
  }

  /** Drives the saga in the background (once per process), logging what escapes. */
  function launch(saga: SagaRow): Promise<void> {
    const running = driving.get(saga.id);
    if (running) return running;
    const promise = drive(saga)
      .catch((error: unknown) => {
        if (error instanceof LeaseLostError) log.warn({ saga: saga.id }, error.message);
        else log.error({ err: error, saga: saga.id }, 'saga stopped; recovery takes it over when its lease runs out');
      })
      .finally(() => driving.delete(saga.id));
    driving.set(saga.id, promise);
    return promise;
  }

  /** Waits for the saga's outcome: on this process's drive, else on the row (another process drives it). */
  async function await_(id: string): Promise<SagaRecord> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const running = driving.get(id);
      if (running) {
        let timeout: NodeJS.Timeout | undefined;
        await Promise.race([running, new Promise((resolve) => (timeout = setTimeout(resolve, Math.max(0, deadline - Date.now()))))]);
        clearTimeout(timeout);
      }
      const saga = await view(id);
      if (!saga) throw new Error(`saga ${id} vanished`);
      const finished = saga.status === 'completed' || saga.status === 'failed';
      // A drive that ended with a step or a compensation left to retry (lease released) has told all it can for now.
      const parked = saga.leaseOwner === null;
      if (finished || parked || Date.now() >= deadline) return saga;
      if (!driving.has(id)) {
        // Nobody here drives it: take it over if its holder's lease ran out, else look again shortly.
        const claimed = await store.claim(id, owner, now(), leaseEnd());
        if (claimed) launch(claimed);
        else await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  async function recover({ takeAll = false } = {}): Promise<number> {
    let taken = 0;
    for (const id of await store.claimable(now(), 100, takeAll)) {
      if (driving.has(id)) continue;
      const claimed = await store.claim(id, owner, now(), leaseEnd(), takeAll);
      if (!claimed) continue;
      log.warn({ saga: id, kind: claimed.kind, status: claimed.status }, 'taking over an interrupted saga');
      launch(claimed);
      taken++;
    }
    return taken;
  }

  return {
    async start(kind, input, idempotencyKey) {
      if (closed) throw new Error('the saga engine is closed');
      if (!definitions.has(kind)) throw new Error(`no saga of kind ${kind}`);
      const inputHash = hashOf(kind, input);
      const { row, created } = await store.insertOrGet({
        id: randomUUID(),
        idempotencyKey,
        kind,
        input,
        inputHash,
        owner,
        now: now(),
        leaseUntil: leaseEnd(),
      });
      if (!created && (row.kind !== kind || row.inputHash !== inputHash)) throw new IdempotencyKeyReusedError(row.id);
      if (created) launch(row);
      return { saga: await await_(row.id), replayed: !created };
    },
    get: view,
    recover,
    async startRecovery(intervalMs, recoverOptions) {
      await recover(recoverOptions);
      const tick = () => {
        timer = setTimeout(() => {
          recover()
            .catch((error: unknown) => log.error({ err: error }, 'saga recovery failed'))
            .finally(() => {
              if (!closed) tick();
            });
        }, intervalMs);
        timer.unref();
      };
      if (!closed) tick();
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      await Promise.all(driving.values());
    },
  };
}
