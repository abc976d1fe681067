import { HeaderMap } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { clientErrorOf, GatewayError, GatewayErrorCode, INTERNAL_ERROR, type ClientError } from '../errors';

/**
 * THE translation at the GraphQL boundary: any thrown value → what a client may see. Never throws.
 * Returns undefined for errors the gateway did not expect, which callers mask and log.
 */
export function toClientError(thrown: unknown): ClientError | undefined {
  const error = unwrapResolverError(thrown);
  if (error instanceof GatewayError) return clientErrorOf(error);
  if (error instanceof GraphQLError && error.originalError instanceof GatewayError) return clientErrorOf(error.originalError);
  // Apollo's own request errors (parse, validation, variables, persisted queries) carry a code; validation
  // errors arrive wrapped around graphql-js's own GraphQLError.
  const apolloOwn = error instanceof GraphQLError && (error.originalError === undefined || error.originalError instanceof GraphQLError);
  if (apolloOwn && typeof error.extensions.code === 'string' && error.extensions.code !== GatewayErrorCode.INTERNAL_SERVER_ERROR) {
    return apolloRequestError(error.message, error.extensions);
  }
  // A few of Apollo's request errors carry only a 4xx status (a persisted query's hash that does not match its
  // query, an unknown persisted-query version): the client's mistake, so BAD_REQUEST with Apollo's message.
  if (apolloOwn && error.extensions.code === undefined && isClientStatus(error.extensions.http)) {
    return apolloRequestError(error.message, { ...error.extensions, code: GatewayErrorCode.BAD_REQUEST });
  }
  return undefined;
}

function isClientStatus(http: unknown): boolean {
  const status = (http as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' && status >= 400 && status < 500;
}

/**
 * A gateway error as Apollo's request pipeline needs it when a plugin refuses a whole request: a
 * GraphQLError whose `extensions.http` carries the status and headers (UNAUTHENTICATED 401, limits 400, …).
 */
export function asGraphQLError(error: unknown): unknown {
  if (!(error instanceof GatewayError)) return error;
  const http = error.httpStatus === undefined ? undefined : { status: error.httpStatus, headers: new HeaderMap(Object.entries(error.headers ?? {})) };
  const { message: _message, ...facts } = clientErrorOf(error);
  return new GraphQLError(error.message, { originalError: error, extensions: { ...facts, http } });
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
  return apolloRequestError(formatted.message, formatted.extensions ?? {});
}

/** One of Apollo's own request errors as clients see it: its code, `field` for variables, no internals. */
function apolloRequestError(text: string, extensions: Record<string, unknown>): ClientError {
  // `http` sets the response's status and headers and `stacktrace` is for nobody: neither is for clients.
  const { code, retryable, http: _http, stacktrace: _stacktrace, ...details } = extensions;
  const field = code === GatewayErrorCode.BAD_USER_INPUT ? variableField(text) : undefined;
  // The parser's own failure on absurd nesting is the runtime's text, not something to show.
  const message = /Maximum call stack size exceeded/.test(text) ? 'The document is nested too deeply to parse' : text;
  return { ...details, ...(field === undefined ? {} : { field }), code: String(code), message, retryable: retryable === true };
}

/**
 * The `field` of a variable that did not coerce, as graphql-js names it: `Variable "$input" got invalid value
 * 1.5 at "input.unreadCount"` → `input.unreadCount`; a variable missing or wrong as a whole → its name. So a
 * fractional, too large or string count in variables names its field like the gateway's own rules do.
 */
function variableField(message: string): string | undefined {
  const at = /^Variable "\$[^"]+" got invalid value .* at "([^"]+)"; /s.exec(message);
  if (at !== null) return at[1];
  return /^Variable "\$([^"]+)" /.exec(message)?.[1];
}
