import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../context';
import { isUnexpectedError, toClientError } from '../errors';

/**
 * Logs what clients cannot see: unexpected errors in full (clients get a generic message and the
 * request id from the `x-request-id` header), and IM errors with their codes.
 */
export function loggingPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue, operationName }) {
          for (const error of errors) {
            if (isUnexpectedError(error)) {
              contextValue.logger.error({ err: error.originalError ?? error, operationName, path: error.path }, 'unexpected error');
            } else {
              const { code, imErrorCode, imErrorInfo } = toClientError(error) ?? {};
              contextValue.logger.info({ code, imErrorCode, imErrorInfo, operationName, path: error.path }, 'request error');
            }
          }
        },
      };
    },
  };
}
