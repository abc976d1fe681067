import type { ApolloServerPlugin, BaseContext, GraphQLRequestListener } from '@apollo/server';
import { SpanStatusCode } from '@opentelemetry/api';
import { activeSpan } from '../../observability/tracing';
import { toClientError } from '../errors';

/**
 * Names the operation's span (graphql-handler.ts opened it) `mutation SetUnread` and so on, with the
 * operation's type, name and outcome: "ok", or the first error's code as clients see it. Registered only
 * while tracing is on.
 */
export function tracingPlugin(): ApolloServerPlugin {
  const listener: GraphQLRequestListener<BaseContext> = {
    async willSendResponse({ operationName, operation, errors }) {
      const span = activeSpan();
      if (span === undefined) return;
      const type = operation?.operation ?? 'graphql';
      const first = errors?.[0];
      const outcome = first === undefined ? 'ok' : (toClientError(first)?.code ?? 'INTERNAL_SERVER_ERROR');
      span.updateName(operationName ? `${type} ${operationName}` : type);
      span.setAttributes({ 'graphql.operation.type': type, 'graphql.operation.name': operationName ?? '', 'graphql.outcome': outcome });
      if (outcome !== 'ok') span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
    },
  };
  return { requestDidStart: async () => listener };
}
