import { GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { ImGatewayStatusResolver } from './status/im-gateway-status.resolver';
import { UnreadCountResolver } from './unread-count/unread-count.resolver';

/** The executable schema. Validation runs in resolvers (see validation.ts), so batch items fail alone. */
export async function buildGatewaySchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: [UnreadCountResolver, ImGatewayStatusResolver],
    validate: false,
  });
}

/** The SDL committed as `schema.graphql`, printed from the code. */
export async function printGatewaySchema(): Promise<string> {
  return `${printSchema(lexicographicSortSchema(await buildGatewaySchema()))}\n`;
}
