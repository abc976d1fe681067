import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { GatewayErrorCode } from '../im/error-codes';
import { ImError } from '../im/im-error';

/** An error as clients see it, in `extensions` or in a batch item's `error`. */
export interface ClientError {
  code: string;
  message: string;
  retryable: boolean;
  imErrorCode?: number;
  imErrorInfo?: string;
  retryAfterMs?: number;
  [detail: string]: unknown;
}

/** What clients see for anything the gateway did not expect; the detail goes to the log only. */
export const INTERNAL_ERROR: ClientError = {
  code: GatewayErrorCode.INTERNAL_SERVER_ERROR,
  message: 'Internal server error',
  retryable: false,
};

/**
 * THE translation at the GraphQL boundary: any thrown value → what a client may see. Never throws.
 * Returns undefined for errors the gateway did not expect, which callers mask and log.
 */
export function toClientError(thrown: unknown): ClientError | undefined {
  const error = unwrapResolverError(thrown);
  if (error instanceof ImError) {
    return omitUndefined({
      ...error.details,
      code: error.code,
      message: error.message,
      retryable: error.retryable,
      imErrorCode: error.imErrorCode,
      imErrorInfo: error.imErrorInfo,
      retryAfterMs: error.retryAfterMs,
    });
  }
  if (error instanceof GraphQLError && error.originalError === undefined && typeof error.extensions.code === 'string') {
    // `http` sets the response's status and headers; it is not for clients.
    const { code, retryable, http: _http, ...details } = error.extensions;
    return { ...details, code, message: error.message, retryable: retryable === true };
  }
  return undefined;
}

/**
 * Apollo Server's `formatError`: stable `extensions` for known errors, a generic message for the rest.
 * Stack traces never reach clients. Unexpected errors are logged by the logging plugin, with the request id.
 */
export function formatError(formatted: GraphQLFormattedError, thrown: unknown): GraphQLFormattedError {
  const known = toClientError(thrown) ?? (isApolloRequestError(formatted) ? fromFormatted(formatted) : INTERNAL_ERROR);
  const { message, ...extensions } = known;
  return { message, locations: formatted.locations, path: formatted.path, extensions };
}

/** True when a thrown value is one the gateway did not expect (to be masked and logged in full). */
export function isUnexpectedError(thrown: unknown): boolean {
  const error = unwrapResolverError(thrown);
  if (toClientError(error) !== undefined) return false;
  return !(error instanceof GraphQLError && error.originalError === undefined);
}

// Parse, validation and variable errors Apollo raises itself carry a code and no original error.
function isApolloRequestError(formatted: GraphQLFormattedError): boolean {
  const code = formatted.extensions?.code;
  return typeof code === 'string' && code !== GatewayErrorCode.INTERNAL_SERVER_ERROR;
}

function fromFormatted(formatted: GraphQLFormattedError): ClientError {
  const { code, stacktrace: _stacktrace, ...details } = formatted.extensions ?? {};
  return { ...details, code: String(code), message: formatted.message, retryable: false };
}

function omitUndefined<T extends Record<string, unknown>>(record: T): T {
  for (const key of Object.keys(record)) if (record[key] === undefined) delete record[key];
  return record;
}
