import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import type { GatewayContext } from '../context';
import { isUnexpectedError, toClientError } from '../errors';

/** Operation names in log lines are cut to this: clients choose them, and a log line is no place for a megabyte. */
const MAX_LOGGED_NAME = 128;
/** Unexpected errors logged in full per request; the rest are only counted. */
const MAX_UNEXPECTED_LOGGED = 3;

/**
 * Logs what clients cannot see: unexpected errors in full at `error` (clients get a generic message and the
 * request id from the `x-request-id` header); the client's own mistakes and IM's refusals once per request at
 * `info`, as counts by code, without stacks — so a request with a hundred bad fields writes one line.
 */
export function loggingPlugin(): ApolloServerPlugin<GatewayContext> {
  // One listener for every request (it keeps no per-request state): no object made per request.
  const listener: GraphQLRequestListener<GatewayContext> = {
    async didEncounterErrors({ errors, contextValue, operationName }) {
      const name = operationName?.slice(0, MAX_LOGGED_NAME);
      const codes: Record<string, number> = {};
      let first: { imErrorCode?: number; imErrorInfo?: string } | undefined;
      let unexpected = 0;
      for (const error of errors) {
        if (isUnexpectedError(error)) {
          if (++unexpected > MAX_UNEXPECTED_LOGGED) continue; // one bad request cannot flood the log
          contextValue.logger.error({ err: error.originalError ?? error, operationName: name, path: error.path }, 'unexpected error');
          continue;
        }
        const client = toClientError(error);
        const code = client?.code ?? 'UNKNOWN';
        codes[code] = (codes[code] ?? 0) + 1;
        first ??= { imErrorCode: client?.imErrorCode, imErrorInfo: client?.imErrorInfo };
      }
      if (unexpected > MAX_UNEXPECTED_LOGGED) codes.INTERNAL_SERVER_ERROR = unexpected - MAX_UNEXPECTED_LOGGED;
      if (Object.keys(codes).length > 0) contextValue.logger.info({ codes, ...first, operationName: name }, 'request error');
    },
  };
  return { requestDidStart: async () => listener };
}
