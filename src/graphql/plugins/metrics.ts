import type { ApolloServerPlugin, BaseContext, GraphQLRequestListener } from '@apollo/server';
import type { GatewayMetrics } from '../../observability/metrics';
import { toClientError } from '../errors';

/** Counts each GraphQL operation by name and outcome: "ok", or the first error's code as clients see it. */
export function metricsPlugin(metrics: GatewayMetrics): ApolloServerPlugin {
  // One listener for every request (it keeps no per-request state): no object made per request.
  const listener: GraphQLRequestListener<BaseContext> = {
    async willSendResponse({ operationName, errors }) {
      const first = errors?.[0];
      const outcome = first === undefined ? 'ok' : (toClientError(first)?.code ?? (typeof first.extensions?.code === 'string' ? first.extensions.code : 'INTERNAL_SERVER_ERROR'));
      metrics.countOperation(operationName, outcome);
    },
  };
  return { requestDidStart: async () => listener };
}
