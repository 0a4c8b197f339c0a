import { ErrorCode } from './errors.js';

/**
 * The contract between the event pipeline (events/) and the vendor adapters (subgraphs/<vendor>/webhooks.ts).
 * It lives here because neither side may import the other: the launcher hands the adapters to the pipeline.
 */

/** A webhook delivery as it reached the public endpoint, before any parsing. */
export type WebhookRequest = {
  method: string;
  /** The full URI the vendor called (scheme, host, path and query), as HubSpot signs it. */
  url: string;
  /** Lower-case header names. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The body byte for byte: signatures are computed over it, never over re-serialized JSON. */
  rawBody: Buffer;
};

/**
 * What changed at a vendor, in domain terms. `tags` are the entity tags (`<Typename>:<key>`) whose cached
 * answers the change makes stale; `fields` holds the changed fields as the vendor reported them.
 */
export type DomainChange = {
  kind:
    | 'CustomerChanged'
    | 'CustomerDeleted'
    | 'CompanyChanged'
    | 'CompanyDeleted'
    | 'DealChanged'
    | 'DealDeleted'
    | 'BillingChanged'
    | 'OrderChanged';
  source: string;
  occurredAt: string;
  email?: string;
  /** The ERP customer number the change is about (ERP customers and orders), which links it to a CRM contact. */
  erpCustomerNumber?: string;
  fields: Record<string, unknown>;
  tags: string[];
};

/** One verified, normalized vendor event, ready for the log. */
export type VendorEvent = {
  vendor: string;
  /** The vendor's own event id: the log keeps one row per (vendor, id), so redeliveries are recognized. */
  id: string;
  type: string;
  /** What the event is about, e.g. `contact:1001` or `customer:cus_123`; events of one entity apply in order. */
  entity: string;
  /** When the change happened at the vendor (not when it was delivered). */
  occurredAt: Date;
  payload: unknown;
  /** The entity's state after this event, when the event carries it (Stripe's object snapshot, a property's value). */
  state?: unknown;
  change: DomainChange;
};

/** Where a catch-up reader left off: an opaque string it alone reads (an event id, a timestamp, a bookmark). */
export type CatchUpCursor = string | null;

export type CatchUpPage = {
  events: VendorEvent[];
  /** The cursor to store once these events are in the log; the next read starts from it. */
  cursor: CatchUpCursor;
  /** True when the reader stopped early (page limit) and more is waiting now. */
  more: boolean;
};

/**
 * One vendor's side of the pipeline. Webhook vendors verify; every vendor can catch up. A vendor with no
 * webhooks (the ERP: NAV has none) has no `verify` and a `pollIntervalMs`: its catch-up is how changes arrive,
 * so it runs that often besides the reconciliation schedule, through the same code path.
 */
export interface VendorAdapter {
  readonly vendor: string;
  /** For a vendor without webhooks: how often to run its catch-up, in ms; absent for webhook vendors. */
  readonly pollIntervalMs?: number;
  /**
   * Verifies the delivery's signature and returns its events, normalized. Throws SignatureError when the
   * delivery is not proven to come from the vendor, PayloadError when it is signed but unreadable.
   */
  verify?(request: WebhookRequest): VendorEvent[];
  /** Reads what changed at the vendor since the cursor (null: the reader's own starting point). */
  catchUp?(cursor: CatchUpCursor): Promise<CatchUpPage>;
  /** Releases what the adapter holds (connections); the launcher calls it on shutdown. */
  close?(): Promise<void>;
}

export type SignatureProblem = 'missing' | 'malformed' | 'stale' | 'mismatch' | 'no-secret';

/** Raised when a webhook delivery's signature is missing, malformed, too old, or matches no secret. */
export class SignatureError extends Error {
  readonly code = ErrorCode.WEBHOOK_SIGNATURE_INVALID;
  constructor(
    readonly problem: SignatureProblem,
    message: string,
  ) {
    super(message);
    this.name = 'SignatureError';
  }
}

/** Raised when a correctly signed webhook body cannot be read as the vendor's event format. */
export class PayloadError extends Error {
  readonly code = ErrorCode.BAD_USER_INPUT;
  constructor(message: string) {
    super(message);
    this.name = 'PayloadError';
  }
}
