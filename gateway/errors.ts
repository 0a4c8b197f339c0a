import type { GraphQLFormattedError } from 'graphql';
import { ErrorCode, isDeliberateCode, type Logger } from '../platform/index.js';

/**
 * Shows deliberate errors (ours and the framework's, by code) as they are and masks everything else as
 * "Unexpected error.", logging the detail; the stack goes to the log only in development.
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
      { err: development ? error : undefined, message: formatted.message, path: formatted.path, code: extensions.code, ...(development ? { stacktrace } : {}) },
      'masked unexpected error',
    );
    return {
      message: 'Unexpected error.',
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, ...(extensions.serviceName ? { serviceName: extensions.serviceName } : {}) },
    };
  };
}
