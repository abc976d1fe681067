import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import type { OperationDefinitionNode } from 'graphql';
import type { GatewayContext } from '../context';
import { asGraphQLError } from '../errors';
import { isIntrospectionField, rootResponseKeys, fragmentsOf } from '../selections';

/** Root fields anyone may ask for: the gateway's status, and the SDL a router composes from. */
const PUBLIC_ROOT_FIELDS: ReadonlySet<string> = new Set(['imGateway', '_service']);

/**
 * Authenticates once per operation, before any resolver runs, when the operation selects anything but
 * public root fields or introspection: missing or bad credentials refuse it whole with 401 and no IM call.
 */
export function authenticationPlugin(): ApolloServerPlugin<GatewayContext> {
  // Per parsed operation (Apollo reuses documents): whether it selects anything but public fields.
  const needsCaller = new WeakMap<OperationDefinitionNode, boolean>();
  const listener: GraphQLRequestListener<GatewayContext> = {
    async didResolveOperation({ operation, document, contextValue }) {
      if (operation === undefined) return; // Apollo itself refuses a request without an operation
      let needed = needsCaller.get(operation);
      if (needed === undefined) {
        needed = [...rootResponseKeys(operation, fragmentsOf(document)).values()].some(
          (name) => !PUBLIC_ROOT_FIELDS.has(name) && !isIntrospectionField(name),
        );
        needsCaller.set(operation, needed);
      }
      if (!needed) return;
      try {
        await contextValue.authenticate();
      } catch (error) {
        throw asGraphQLError(error);
      }
    },
  };
  return { requestDidStart: async () => listener };
}
