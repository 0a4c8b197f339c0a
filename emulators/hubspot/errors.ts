import { randomUUID } from 'node:crypto';

/** The `category` values HubSpot's CRM errors use. */
export type ErrorCategory =
  'VALIDATION_ERROR' | 'OBJECT_NOT_FOUND' | 'CONFLICT' | 'INVALID_AUTHENTICATION' | 'EXPIRED_AUTHENTICATION' | 'RATE_LIMITS';

/** One entry of an error's `errors` list, e.g. a property that failed validation. */
export type ErrorDetail = {
  message: string;
  code?: string;
  in?: string;
  context?: Record<string, string[]>;
};

export type HubSpotErrorBody = {
  status: 'error';
  message: string;
  correlationId: string;
  category: ErrorCategory;
  errors?: ErrorDetail[];
  context?: Record<string, string[]>;
};

/** Thrown by route handlers; the final error handler turns it into HubSpot's error body. */
export class HubSpotError extends Error {
  constructor(
    readonly status: number,
    readonly category: ErrorCategory,
    message: string,
    readonly extra: { errors?: ErrorDetail[]; context?: Record<string, string[]> } = {},
  ) {
    super(message);
    this.name = 'HubSpotError';
  }

  body(): HubSpotErrorBody {
    return { status: 'error', message: this.message, correlationId: correlationId(), category: this.category, ...this.extra };
  }
}

/** Raised when a request's input breaks a rule HubSpot checks (limits, malformed fields, caps). */
export function validationError(message: string, errors?: ErrorDetail[]): HubSpotError {
  return new HubSpotError(400, 'VALIDATION_ERROR', message, errors ? { errors } : {});
}

/** Raised when a single object named in the path does not exist (or is archived). */
export function notFound(): HubSpotError {
  return new HubSpotError(404, 'OBJECT_NOT_FOUND', 'resource not found');
}

export function correlationId(): string {
  return randomUUID();
}
