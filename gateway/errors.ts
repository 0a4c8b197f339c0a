import type { GraphQLFormattedError } from 'graphql';
import { ErrorCode, isDeliberateCode, type Logger } from '../platform/index.js';

/**
 * Shows deliberate errors (ours and the framework's, by code, subgraphs' included) as they are; everything else
 * is logged and, in production, masked as "Unexpected error." (in development its message and code are shown;
 * the stack goes to the log only in development).
 */
export function maskErrors(log: Logger, development: boolean) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const { stacktrace, ...extensions } = (formatted.extensions ?? {}) as Record<string, unknown>;
    if (isDeliberateCode(extensions.code)) {
      // graphql-js stops validating after 100 errors with a bare "Validation aborted."; say which limit that is.
      const message = /Validation aborted\.$/.test(formatted.message)
        ? 'More than 100 validation errors: validation stopped there. Fix the errors reported before this one and send the operation again.'
        : formatted.message;
      return { ...formatted, message, extensions };
    }
    log.error(
      {
        err: development ? error : undefined,
        message: formatted.message,
        path: formatted.path,
        code: extensions.code,
        ...(development ? { stacktrace } : {}),
      },
      'masked unexpected error',
    );
    const service = extensions.serviceName ? { serviceName: extensions.serviceName } : {};
    // In development the caller is the developer: show what went wrong (a subgraph's DOWNSTREAM_SERVICE_ERROR,
    // an enum value it could not serialize) with its code. Production keeps it in the log only.
    if (development) {
      return {
        message: formatted.message,
        ...(formatted.path ? { path: formatted.path } : {}),
        extensions: { code: typeof extensions.code === 'string' ? extensions.code : 'INTERNAL_SERVER_ERROR', ...service },
      };
    }
    return {
      message: 'Unexpected error.',
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, ...service },
    };
  };
}
