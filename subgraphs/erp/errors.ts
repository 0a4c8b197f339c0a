// The ERP's (Dynamics NAV over SOAP) errors: the one place what the soap client threw is read, both to decide
// whether to repeat a call (classifyErp, for the call policy) and to turn it into our error classes (toErpError).
import {
  BadUserInputError,
  ConflictError,
  InterchangeError,
  NotFoundError,
  UpstreamError,
  UpstreamRateLimitedError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
  parseRetryAfter,
  type Failure,
  type UpstreamDetail,
  type VendorErrors,
} from '../kit/index.js';
import { isRequestFaultCode, isServiceFailureCode } from './fault-code.js';

const VENDOR = 'erp';

type SoapErrorLike = {
  message?: string;
  code?: string;
  response?: { status?: number; data?: unknown; headers?: Record<string, unknown> };
  body?: unknown;
  root?: { Envelope?: { Body?: { Fault?: Record<string, unknown> } } };
};

export const asText = (value: unknown): string => {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) {
    const inner = (value as Record<string, unknown>).$value ?? (value as Record<string, unknown>).string;
    if (inner !== undefined) return asText(inner);
  }
  return value === undefined || value === null ? '' : String(value);
};

/** NAV's table names in its messages -> the schema type they are. */
const TYPE_OF_TABLE: Record<string, string> = {
  'Sales Header': 'Order',
  'Sales Line': 'OrderLine',
  'Sales Invoice Header': 'PostedInvoice',
  Item: 'Product',
  Customer: 'Customer',
};

/** NAV page fields named in validation messages -> the input field the caller set. */
const INPUT_FIELDS: Record<string, string> = {
  External_Document_No: 'input.externalDocumentNumber',
  Requested_Delivery_Date: 'input.requestedDeliveryDate',
  Currency_Code: 'input.currency',
  Status: 'input.status',
  Sell_to_Customer_No: 'input.customerNumber',
  Quantity: 'input.lines.quantity',
  Unit_Price: 'input.lines.unitPrice',
  Description: 'input.lines.description',
};

const SECURITY_FAULT = /security token could not be authenticated or authorized/i;
const STALE_KEY = /Another user has modified the record/i;
const DOES_NOT_EXIST = /The ([\w ]+?) does not exist\.(?:.*?No\.='([^']*)')?/;

/**
 * Turns whatever a soap call threw into our error classes, keeping status, fault and body for the log. The
 * one place ERP errors are read. Faults are told apart by their text as much as by faultcode, because NAV
 * puts its exception class (not Client/Server) into faultcode.
 */
export function toErpError(error: unknown): InterchangeError {
  if (error instanceof InterchangeError) return error;
  const failure = (typeof error === 'object' && error !== null ? error : {}) as SoapErrorLike;
  const status = failure.response?.status;
  const body =
    typeof failure.response?.data === 'string' ? failure.response.data : typeof failure.body === 'string' ? failure.body : undefined;
  const detail: UpstreamDetail = {
    ...(status === undefined ? {} : { status }),
    ...(body === undefined ? {} : { body: body.slice(0, 2000) }),
    cause: failure.message ?? String(error),
  };

  if (status === 429) {
    // Before the fault: a proxy's (or an emulator's) 429 may carry a fault body, but it says "later", not "wrong".
    // Without Retry-After, a second: the wait the classifier retries after, so callers hear the same.
    const retryAfterMs = parseRetryAfter(headerText(failure.response?.headers?.['retry-after'])) ?? 1000;
    return new UpstreamRateLimitedError(VENDOR, Math.max(1, Math.ceil(retryAfterMs / 1000)), detail);
  }
  const fault = failure.root?.Envelope?.Body?.Fault;
  if (fault) {
    const code = asText(fault.faultcode);
    const message = asText(fault.faultstring);
    const faultDetail = { ...detail, cause: `${code}: ${message}${fault.detail ? ` (${asText(fault.detail)})` : ''}` };
    if (SECURITY_FAULT.test(message)) {
      return new UpstreamError(
        VENDOR,
        'The ERP refused our credentials; check the ERP configuration (ERP_USERNAME, ERP_PASSWORD).',
        faultDetail,
      );
    }
    if (STALE_KEY.test(message)) {
      return new ConflictError('The order was changed by someone else since you read it. Read it again (for its new version) and retry.', {
        upstream: VENDOR,
        detail: faultDetail,
      });
    }
    const missing = DOES_NOT_EXIST.exec(message);
    if (missing) {
      const typename = TYPE_OF_TABLE[missing[1]!] ?? missing[1]!;
      return new NotFoundError(typename, missing[2] ?? message.slice(missing.index + missing[0].length).trim(), {
        upstream: VENDOR,
        detail: faultDetail,
      });
    }
    if (isServiceFailureCode(code)) return new UpstreamUnavailableError(VENDOR, faultDetail);
    if (isRequestFaultCode(code)) {
      const named =
        /\b(?:SalesOrder|Sales_Order_Line|Sales Line|Sales Header)\.(\w+)/.exec(message)?.[1] ?? /^(\w+) must /.exec(message)?.[1];
      return new BadUserInputError(message, named ? INPUT_FIELDS[named] : undefined, { upstream: VENDOR, detail: faultDetail });
    }
    // VersionMismatch, MustUnderstand: our request and the service disagree on SOAP itself.
    return new UpstreamError(VENDOR, `The ERP rejected the request: ${message}`, faultDetail);
  }

  if (failure.code === 'ECONNABORTED' || failure.code === 'ETIMEDOUT') return new UpstreamTimeoutError(VENDOR, detail);
  if (status === undefined) {
    // No HTTP response at all: refused, reset, DNS, TLS.
    return new UpstreamUnavailableError(VENDOR, detail);
  }
  if (status === 401 || status === 403) {
    return new UpstreamError(VENDOR, 'The ERP refused our credentials; check the ERP configuration (ERP_USERNAME, ERP_PASSWORD).', detail);
  }
  // A response that is no SOAP envelope we can read (malformed XML, HTML error page, truncated body): the
  // service is not answering as a SOAP service should, which is for us an outage, never a crash.
  return new UpstreamUnavailableError(VENDOR, detail);
}

const headerText = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : Array.isArray(value) ? String(value[0]) : undefined;

/**
 * What the call policy needs to know about a failed SOAP call (see kit/policy/README.md). Every fault comes
 * with HTTP 500, so the faultcode decides: a Server fault is the service failing (retryable, counted by the
 * breaker), a Client fault is our request being wrong (neither). Pure; one test per rule in
 * test/subgraphs/erp/errors.test.ts.
 */
export function classifyErp(error: unknown): Failure {
  // Our own typed errors (e.g. an answer of the wrong shape) say nothing more once translated.
  if (error instanceof InterchangeError) return { retryable: false, countsForBreaker: false };
  const failure = (typeof error === 'object' && error !== null ? error : {}) as SoapErrorLike;
  const status = failure.response?.status;
  const withStatus = status === undefined ? {} : { status };
  // Too many calls: try again after the wait the service asks for, and the service is not unwell.
  if (status === 429) {
    return {
      retryable: true,
      status,
      retryAfterMs: parseRetryAfter(headerText(failure.response?.headers?.['retry-after'])) ?? 1000,
      countsForBreaker: false,
    };
  }
  const fault = failure.root?.Envelope?.Body?.Fault;
  if (fault) {
    const code = asText(fault.faultcode);
    // soap reports an answer it could not parse with faultcode "500": as unwell as a Server fault.
    if (isServiceFailureCode(code)) return { retryable: true, ...withStatus, countsForBreaker: true };
    // Client faults, NAV's own exceptions (validation, stale Key, not found, security), VersionMismatch: final.
    return { retryable: false, ...withStatus, countsForBreaker: false };
  }
  // Credentials refused before SOAP: final, and a configuration problem rather than an outage.
  if (status === 401 || status === 403) return { retryable: false, status, countsForBreaker: false };
  // No answer (refused, reset, timed out) or one that is no SOAP at all (an HTML 502, malformed XML): unwell.
  return { retryable: true, ...withStatus, countsForBreaker: true };
}

/** Everything the kit's vendor client needs to know about the ERP's failures. */
export const ERP: VendorErrors = { upstream: VENDOR, classify: classifyErp, translate: toErpError };
