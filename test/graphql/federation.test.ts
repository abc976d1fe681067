import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { composeServices } from '@apollo/composition';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse, print } from 'graphql';
import { GroupMemberRoleDocument, SetGroupMemberUnreadCountDocument } from '../../packages/client/src/generated';
import { postGraphQL, startTestGateway, type TestGateway } from '../support/gateway';

const GROUP = '@TGS#2CLUZEAEJ';

/** A second, small subgraph that extends GroupMember with a profile field and points at one member. */
const PROFILES_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
  type GroupMember @key(fields: "groupId memberAccount") {
    groupId: ID!
    memberAccount: ID!
    displayName: String!
  }
  type Query { featuredMember: GroupMember! }
`;
const profilesSchema = () =>
  buildSubgraphSchema({
    typeDefs: parse(PROFILES_SDL),
    resolvers: {
      Query: { featuredMember: () => ({ groupId: GROUP, memberAccount: 'carol' }) },
      GroupMember: {
        __resolveReference: (ref: { groupId: string; memberAccount: string }) => ref,
        displayName: (member: { memberAccount: string }) => `Profile of ${member.memberAccount}`,
      },
    },
  });

describe('the Federation 2 subgraph', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(() => gateway.stop());

  it('serves _service { sdl } with @link and @key', async () => {
    const response = await gateway.graphql('{ _service { sdl } }');
    expect(response.body.data._service.sdl).toContain('@key(fields: "groupId memberAccount")');
    expect(response.body.data._service.sdl).toContain('@link(url: "https://specs.apollo.dev/federation/v2.3"');
  });

  it('resolves GroupMember and Group entities through _entities', async () => {
    const response = await gateway.graphql(
      `query($representations: [_Any!]!) { _entities(representations: $representations) {
        ... on GroupMember { memberAccount role } ... on Group { id type } } }`,
      {
        representations: [
          { __typename: 'GroupMember', groupId: GROUP, memberAccount: 'alice' },
          { __typename: 'Group', id: '@TGS#_COMMUNITY1' },
        ],
      },
    );
    expect(response.body).toEqual({ data: { _entities: [{ memberAccount: 'alice', role: 'Owner' }, { id: '@TGS#_COMMUNITY1', type: 'Community' }] } });
  });

  it('batches reads: one get_role_in_group per group, one get_group_info for many groups', async () => {
    const before = gateway.simulator!.calls.length;
    const response = await gateway.graphql(`{
      a: groupMember(groupId: "${GROUP}", memberAccount: "alice") { role group { type } }
      b: groupMember(groupId: "${GROUP}", memberAccount: "bob") { role }
      c: groupMember(groupId: "${GROUP}", memberAccount: "zed") { role }
      d: group(id: "@TGS#3MEETING1") { type }
      e: group(id: "@TGS#aLIVESTREAM") { type }
    }`);
    expect(response.body.data).toEqual({
      a: { role: 'Owner', group: { type: 'Public' } },
      b: { role: 'Member' },
      c: { role: 'NotMember' },
      d: { type: 'ChatRoom' },
      e: { type: 'AVChatRoom' },
    });
    const calls = gateway.simulator!.calls.slice(before).map((call) => call.command);
    expect(calls.sort()).toEqual(['group_open_http_svc/get_group_info', 'group_open_http_svc/get_role_in_group']);
  });

  it('honours per-item errors of get_group_info: a missing group is GROUP_NOT_FOUND with imErrorCode 10010', async () => {
    const response = await gateway.graphql(`{ ok: group(id: "${GROUP}") { type } missing: group(id: "@TGS#GONE") { type } }`);
    expect(response.body.data).toBeNull(); // Group! is non-null, so the error nulls the whole query
    expect(response.body.errors).toHaveLength(1);
    expect(response.body.errors[0]).toMatchObject({ path: ['missing', 'type'], extensions: { code: 'GROUP_NOT_FOUND', imErrorCode: 10010 } });
  });

  it('runs the typed documents from im-graphql-gateway/client', async () => {
    const response = await gateway.graphql(print(GroupMemberRoleDocument), { groupId: GROUP, memberAccount: 'carol' });
    expect(response.body.data.groupMember).toEqual({ groupId: GROUP, memberAccount: 'carol', role: 'Admin', group: { id: GROUP, type: 'Public' } });
  });

  it('returns inline traces (ftv1) when a router asks for them', async () => {
    const response = await gateway.graphql('{ imGateway { simulator } }', undefined, { 'apollo-federation-include-trace': 'ftv1' });
    expect(typeof response.body.extensions?.ftv1).toBe('string');
  });
});

describe('composition and @apollo/gateway in front', () => {
  let ours: TestGateway;
  let profiles: { url: string; stop: () => Promise<void> };
  let supergraph: { url: string; stop: () => Promise<void> };

  beforeAll(async () => {
    ours = await startTestGateway();
    const profilesServer = new ApolloServer({ schema: profilesSchema() });
    const { url: profilesUrl } = await startStandaloneServer(profilesServer, { listen: { port: 0, host: '127.0.0.1' } });
    profiles = { url: profilesUrl, stop: () => profilesServer.stop() };
    const composed = composeServices([
      { name: 'im', typeDefs: parse((await ours.graphql('{ _service { sdl } }')).body.data._service.sdl), url: `${ours.url}/graphql` },
      { name: 'profiles', typeDefs: parse(PROFILES_SDL), url: profilesUrl },
    ]);
    expect(composed.errors).toBeUndefined();
    const router = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl: composed.supergraphSdl! }) });
    const { url } = await startStandaloneServer(router, { listen: { port: 0, host: '127.0.0.1' } });
    supergraph = { url, stop: () => router.stop() };
  });
  afterAll(async () => {
    await supergraph?.stop();
    await profiles?.stop();
    await ours?.stop();
  });

  it('composes this subgraph with another that extends GroupMember, without errors', () => {
    const composed = composeServices([
      { name: 'im', typeDefs: parse(readFileSync(join(__dirname, '../../schema.graphql'), 'utf8')) },
      { name: 'profiles', typeDefs: parse(PROFILES_SDL) },
    ]);
    expect(composed.errors).toBeUndefined();
    expect(composed.supergraphSdl).toContain('displayName');
    expect(composed.supergraphSdl).toMatch(/unreadCount: Int\b(?!!)/);
    expect(composed.supergraphSdl).toMatch(/nextMsgSeq: Int!/);
  });

  it('reads a member’s unread count back through the router, from the other subgraph’s entity', async () => {
    const response = await postGraphQL(supergraph.url, '{ featuredMember { memberAccount unreadCount readMsgSeq group { nextMsgSeq } } }');
    const unread = ours.simulator!.unreadCount(GROUP, 'carol');
    expect(response.body.data.featuredMember).toEqual({ memberAccount: 'carol', unreadCount: unread, readMsgSeq: expect.any(Number), group: { nextMsgSeq: expect.any(Number) } });
    const { readMsgSeq, group } = response.body.data.featuredMember;
    expect(group.nextMsgSeq - 1 - readMsgSeq).toBe(unread);
  });

  it('crosses from the other subgraph into ours through _entities', async () => {
    const response = await postGraphQL(supergraph.url, '{ featuredMember { memberAccount displayName role group { type } } }');
    expect(response.body).toEqual({
      data: { featuredMember: { memberAccount: 'carol', displayName: 'Profile of carol', role: 'Admin', group: { type: 'Public' } } },
    });
  });

  it('runs the mutation through the router and follows the result into the other subgraph', async () => {
    const response = await postGraphQL(
      supergraph.url,
      'mutation($input: SetGroupMemberUnreadCountInput!) { setGroupMemberUnreadCount(input: $input) { unreadCount member { role displayName } } }',
      { input: { groupId: GROUP, memberAccount: 'dave', unreadCount: 12 } },
    );
    expect(response.body).toEqual({ data: { setGroupMemberUnreadCount: { unreadCount: 12, member: { role: 'Member', displayName: 'Profile of dave' } } } });
    expect(ours.simulator!.unreadCount(GROUP, 'dave')).toBe(12);
  });

  it('keeps extensions.code of subgraph errors through the router', async () => {
    const response = await postGraphQL(supergraph.url, print(SetGroupMemberUnreadCountDocument), {
      input: { groupId: '@TGS#GONE', memberAccount: 'dave', unreadCount: 1 },
    });
    expect(response.body.errors[0].extensions).toMatchObject({ code: 'GROUP_NOT_FOUND', imErrorCode: 10010, retryable: false });
  });
});

describe('a router that forwards the client’s Authorization header (AUTH_MODE=usersig)', () => {
  let ours: TestGateway;
  let supergraph: { url: string; stop: () => Promise<void> };

  beforeAll(async () => {
    ours = await startTestGateway({ AUTH_MODE: 'usersig' });
    // Composition reads _service, which needs no credentials.
    const sdl = (await postGraphQL(`${ours.url}/graphql`, '{ _service { sdl } }')).body.data._service.sdl;
    const composed = composeServices([{ name: 'im', typeDefs: parse(sdl), url: `${ours.url}/graphql` }]);
    expect(composed.errors).toBeUndefined();
    const router = new ApolloServer<{ authorization?: string }>({
      gateway: new ApolloGateway({
        supergraphSdl: composed.supergraphSdl!,
        buildService: ({ url }) =>
          new RemoteGraphQLDataSource<{ authorization?: string }>({
            url,
            willSendRequest({ request, context }) {
              if (context.authorization !== undefined) request.http?.headers.set('authorization', context.authorization);
            },
          }),
      }),
    });
    const { url } = await startStandaloneServer(router, {
      listen: { port: 0, host: '127.0.0.1' },
      context: async ({ req }) => ({ authorization: req.headers.authorization }),
    });
    supergraph = { url, stop: () => router.stop() };
  });
  afterAll(async () => {
    await supergraph?.stop();
    await ours?.stop();
  });

  const setDave = (headers: Record<string, string>) =>
    postGraphQL(supergraph.url, print(SetGroupMemberUnreadCountDocument), { input: { groupId: GROUP, memberAccount: 'dave', unreadCount: 21 } }, headers);

  it('lets the group’s Owner through, as herself', async () => {
    const response = await setDave(ours.userSigHeader('alice'));
    expect(response.body.errors).toBeUndefined();
    expect(ours.simulator!.unreadCount(GROUP, 'dave')).toBe(21);
  });

  it('keeps FORBIDDEN and UNAUTHENTICATED, with their codes, through the router', async () => {
    const forbidden = await setDave(ours.userSigHeader('bob'));
    expect(forbidden.body.errors[0].extensions.code).toBe('FORBIDDEN');
    const anonymous = await setDave({});
    expect(anonymous.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });
});
