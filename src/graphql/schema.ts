import { buildSubgraphSchema, printSubgraphSchema } from '@apollo/subgraph';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { type GraphQLSchema, parse } from 'graphql';
import { buildSchema, createResolversMap } from 'type-graphql';
import { GroupMemberResolver, GroupResolver } from './group/group.resolver';
import type { Group, GroupMember } from './group/group.type';
import { ImGatewayStatusResolver } from './status/im-gateway-status.resolver';
import { UnreadCountResolver } from './unread-count/unread-count.resolver';

/** Federation 2 directives this subgraph uses. */
const FEDERATION_LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])\n';

/** How a router hands us an entity it wants fields of: the key fields are all we need. */
const referenceResolvers = {
  GroupMember: { __resolveReference: ({ groupId, memberAccount }: GroupMember): GroupMember => ({ groupId, memberAccount }) },
  Group: { __resolveReference: ({ id }: Group): Group => ({ id }) },
};

/**
 * The executable schema, a Federation 2 subgraph: built with type-graphql, printed with its directives
 * (`@key`), then made a subgraph (`_service`, `_entities`). Validation runs in resolvers
 * (validation.ts), so batch items fail alone.
 */
export async function buildGatewaySchema(): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers: [UnreadCountResolver, ImGatewayStatusResolver, GroupResolver, GroupMemberResolver],
    validate: false,
    skipCheck: true,
  });
  const resolvers = createResolversMap(schema) as Record<string, Record<string, unknown>>;
  for (const [typeName, extra] of Object.entries(referenceResolvers)) resolvers[typeName] = { ...resolvers[typeName], ...extra };
  return buildSubgraphSchema({
    typeDefs: parse(FEDERATION_LINK + printSchemaWithDirectives(schema)),
    resolvers: resolvers as never,
  });
}

/** The SDL committed as `schema.graphql`: the subgraph SDL, with `@link` and `@key`, printed from the code. */
export async function printGatewaySchema(): Promise<string> {
  return `${printSubgraphSchema(await buildGatewaySchema()).trimEnd()}\n`;
}
