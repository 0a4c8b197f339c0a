import type { Redis } from 'ioredis';
import { createCallPolicy } from './policy/policy.js';
import type { Clock } from './policy/clock.js';
import type { PolicySettings } from './policy/settings.js';
import type { CallKind, CallObserver, Classifier, PolicyState, QuotaWindow, Translator } from './policy/types.js';

/**
 * What the kit needs of every vendor client: each request gets `withDeadline(deadline)`, so every vendor call
 * of the request (loaders, lists and mutations alike) stops at the gateway's deadline; `upstreamState()`
 * feeds `GET /health/upstreams`; `close()` runs after the server has drained, so no in-flight call loses its pool.
 */
export type VendorClient<Self> = {
  /** The same client (same policy, pool and credentials), its calls bounded by one request's deadline. */
  withDeadline(deadline: number | undefined): Self;
  /** The call policy's state, for /health/upstreams. */
  upstreamState(): PolicyState;
  /** Refuses new calls and closes the connection pool. */
  close(): void | Promise<void>;
};

/** The call-policy part of every vendor client's options. */
export type PolicyClientOptions = {
  /** Timeout, retries, breaker and bulkhead (each vendor's config reads them from the environment). */
  policy: PolicySettings;
  /** Quota buckets by name (each vendor documents its own); absent or {} for none. */
  quota?: Readonly<Record<string, readonly QuotaWindow[]>>;
  /** Counts the quota in Redis, shared by every replica; default in memory. */
  redis?: Redis;
  /** Sees every vendor call and attempt (metrics, traces: SubgraphTelemetry.observer); default none. */
  observer?: CallObserver;
  /** The policy's time source; default the system clock (tests pass a fake one). */
  clock?: Clock;
};

/**
 * One vendor operation as data (stripe-node's `stripeMethod({method, fullPath})`): whether it reads or writes,
 * whether repeating it is safe, and which quota it spends. The call policy retries a write only when
 * `idempotent` is true.
 */
export type Operation = {
  kind: CallKind;
  /** A write that cannot apply twice (an idempotency key, an absolute PATCH); default false. */
  idempotent?: boolean;
  /** The quota bucket it spends from; default `default` (free when no quota configures it). */
  bucket?: string;
};

/** Every operation a vendor client makes, by name: one table per vendor, read in one place. */
export type OperationTable<Name extends string> = Readonly<Record<Name, Operation>>;

/**
 * Runs one named operation of the table under the call policy, with the bound request's deadline. `run` gets
 * the attempt's signal (aborted on timeout, deadline or close); `translate` overrides the vendor's translator
 * for this call (e.g. with a mutation's field names).
 */
export type VendorCall<Name extends string> = <T>(
  operation: Name,
  run: (signal: AbortSignal) => Promise<T>,
  translate?: Translator,
) => Promise<T>;

/** How a vendor's failures read: each vendor's errors.ts exports one, named after the vendor (e.g. `HUBSPOT`). */
export type VendorErrors = {
  /** The vendor's name (`hubspot`, `stripe`, `mixpanel`, `erp`): `extensions.upstream` and the quota's Redis key. */
  upstream: string;
  /** Whether a failed call may be repeated and whether it counts against the vendor's health. */
  classify: Classifier;
  /** What a failed call becomes for the caller. */
  translate: Translator;
};

/** What a vendor folder supplies to createVendorClient besides the call-policy options. */
export type VendorDefinition<Client extends VendorClient<Client>, Name extends string> = VendorErrors & {
  /** The vendor's operations. */
  operations: OperationTable<Name>;
  /** The vendor's methods over one request's `call`; called once per bound request, so keep it cheap. */
  methods(call: VendorCall<Name>): Omit<Client, keyof VendorClient<Client>>;
  /** Closes what the vendor client holds (its connection pool), after the policy refused new calls. Default none. */
  close?(): void | Promise<void>;
};

/**
 * Builds a vendor client from its operation table: one call policy for every call to the vendor from this
 * process (breaker, bulkhead and quota only work when they see them all), the per-request deadline binding,
 * health state and close. The vendor folder supplies only what is vendor-specific: its SDK calls.
 */
export function createVendorClient<Client extends VendorClient<Client>, Name extends string>(
  settings: PolicyClientOptions,
  options: VendorDefinition<Client, Name>,
): Client {
  const quota = settings.quota ?? {};
  for (const [name, operation] of Object.entries(options.operations) as Array<[string, Operation]>) {
    const bucket = operation.bucket ?? 'default';
    // A bucket the config does not declare is a bug in the table: caught at start, not on the first call.
    if (bucket !== 'default' && !(bucket in quota)) {
      throw new Error(`${options.upstream} operation ${name} spends quota bucket "${bucket}", which the config does not declare`);
    }
  }
  const policy = createCallPolicy({
    upstream: options.upstream,
    classify: options.classify,
    translate: options.translate,
    ...settings.policy,
    quota,
    ...(settings.redis ? { redis: settings.redis } : {}),
    ...(settings.clock ? { clock: settings.clock } : {}),
    ...(settings.observer ? { observer: settings.observer } : {}),
  });

  const bind = (deadline: number | undefined): Client => {
    const call: VendorCall<Name> = (name, run, translate) => {
      const operation = options.operations[name];
      return policy.execute({
        // The table's name is the endpoint label of metrics and the name of the attempt spans.
        operation: name,
        kind: operation.kind,
        ...(operation.idempotent ? { idempotent: true } : {}),
        ...(operation.bucket ? { bucket: operation.bucket } : {}),
        ...(translate ? { translate } : {}),
        deadline,
        run,
      });
    };
    const lifecycle: VendorClient<Client> = {
      withDeadline: bind,
      upstreamState: () => policy.state(),
      async close() {
        policy.dispose();
        await options.close?.();
      },
    };
    return { ...options.methods(call), ...lifecycle } as Client;
  };
  return bind(undefined);
}
