import { print } from 'graphql';
import { GroupMembersDocument } from '../../packages/client/src/generated';
import { ImCommand } from '../../src/tencent/commands';
import { onCleanup } from '../support/cleanup';
import { SET_UNREAD, startTestGateway, type TestGateway } from '../support/gateway';

const PAGE = `query Page($id: ID!, $first: Int, $after: String) {
  group(id: $id) {
    members(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { memberAccount role readMsgSeq unreadCount } }
    }
  }
}`;

interface Edge {
  cursor: string;
  node: { memberAccount: string; role: string; readMsgSeq: number; unreadCount: number };
}

async function simulatorGateway(): Promise<TestGateway> {
  const gateway = await startTestGateway({ AUTH_MODE: 'usersig' });
  onCleanup(() => gateway.stop());
  return gateway;
}

/** `count` members m0…, the first the Owner, the second an Admin, with `messages` messages all read. */
function membersOf(count: number): Record<string, 'Owner' | 'Admin' | 'Member'> {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [`m${i}`, i === 0 ? 'Owner' : i === 1 ? 'Admin' : 'Member'] as const));
}

/** Every page of a group's members, following endCursor; the pages' sizes and the edges. */
async function allPages(gateway: TestGateway, id: string, first: number): Promise<{ sizes: number[]; edges: Edge[]; totalCounts: number[] }> {
  const sizes: number[] = [];
  const edges: Edge[] = [];
  const totalCounts: number[] = [];
  let after: string | null = null;
  for (let page = 0; page < 100; page++) {
    const response = await gateway.graphql(PAGE, { id, first, after });
    expect(response.body.errors).toBeUndefined();
    const { members } = response.body.data.group;
    sizes.push(members.edges.length);
    edges.push(...members.edges);
    totalCounts.push(members.totalCount);
    if (!members.pageInfo.hasNextPage) break;
    after = members.pageInfo.endCursor;
  }
  return { sizes, edges, totalCounts };
}

describe('Group.members: a group’s members page by page, for operator consoles', () => {
  it('pages a 2,000-member group in 10 calls of 200, each member once, with role, readMsgSeq and unreadCount from the page', async () => {
    const gateway = await simulatorGateway();
    const id = '@TGS#TWOTHOUSAND';
    gateway.simulator!.addGroup({ groupId: id, type: 'Public', messageCount: 50, members: membersOf(2000) });
    gateway.simulator!.addMessages(id, 5); // everyone has 5 unread
    expect((await gateway.graphql(SET_UNREAD, { input: { groupId: id, memberAccount: 'm7', unreadCount: 0 } })).body.errors).toBeUndefined();
    const before = gateway.simulator!.calls.length;

    const { sizes, edges, totalCounts } = await allPages(gateway, id, 200);
    expect(sizes).toEqual(Array(10).fill(200));
    expect(new Set(totalCounts)).toEqual(new Set([2000]));
    expect(new Set(edges.map((edge) => edge.node.memberAccount)).size).toBe(2000);
    expect(edges[0].node).toEqual({ memberAccount: 'm0', role: 'Owner', readMsgSeq: 50, unreadCount: 5 });
    expect(edges[1].node.role).toBe('Admin');
    expect(edges.find((edge) => edge.node.memberAccount === 'm7')!.node).toEqual({ memberAccount: 'm7', role: 'Member', readMsgSeq: 55, unreadCount: 0 });
    expect(edges.filter((edge) => edge.node.unreadCount === 5)).toHaveLength(1999);

    const calls = gateway.simulator!.calls.slice(before);
    const pages = calls.filter((call) => call.command === ImCommand.GET_GROUP_MEMBER_INFO).map((call) => call.body as Record<string, unknown>);
    expect(pages.map((body) => [body.Limit, body.Offset])).toEqual(Array.from({ length: 10 }, (_, i) => [200, i * 200]));
    expect(pages[0].MemberInfoFilter).toEqual(['Role', 'MsgSeq']);
    // The page carries what the nodes show: no per-member reads.
    expect(calls.filter((call) => call.command === ImCommand.GET_SPECIFIED_GROUP_MEMBER_INFO || call.command === ImCommand.GET_ROLE_IN_GROUP)).toEqual([]);
  });

  it('pages a Community group by IM’s Next token, and a cursor inside a page resumes right after its member', async () => {
    const gateway = await simulatorGateway();
    const id = '@TGS#_COMMUNITY1';
    gateway.simulator!.addGroup({ groupId: id, type: 'Community', messageCount: 3, members: membersOf(450) });
    const before = gateway.simulator!.calls.length;
    const { sizes, edges } = await allPages(gateway, id, 200);
    expect(sizes).toEqual([200, 200, 50]);
    expect(edges.map((edge) => edge.node.memberAccount)).toEqual(Array.from({ length: 450 }, (_, i) => `m${i}`));
    const pages = gateway.simulator!.calls.slice(before).filter((call) => call.command === ImCommand.GET_GROUP_MEMBER_INFO).map((call) => call.body as Record<string, unknown>);
    expect(pages).toHaveLength(3);
    expect(pages[0].Next).toBe('');
    expect(pages.every((body) => body.Offset === undefined && typeof body.Next === 'string')).toBe(true);

    const resumed = await gateway.graphql(PAGE, { id, first: 3, after: edges[9].cursor });
    expect(resumed.body.data.group.members.edges.map((edge: Edge) => edge.node.memberAccount)).toEqual(['m10', 'm11', 'm12']);
  });

  it('lets app admins and the group’s Owner and Admins list members; a plain member gets FORBIDDEN and costs no page call', async () => {
    const gateway = await simulatorGateway();
    const id = '@TGS#RIGHTS';
    gateway.simulator!.addGroup({ groupId: id, type: 'Private', messageCount: 1, members: membersOf(5) });
    // As a console would ask: the typed operation the client package ships (operations/group-members.graphql).
    const as = (account?: string) => gateway.graphql(print(GroupMembersDocument), { groupId: id, first: 5 }, account === undefined ? undefined : gateway.userSigHeader(account));
    for (const allowed of [undefined, 'm0', 'm1']) {
      const response = await as(allowed);
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data.group.members.totalCount).toBe(5);
    }
    const pagesBefore = gateway.simulator!.callsOf(ImCommand.GET_GROUP_MEMBER_INFO).length;
    for (const refused of ['m2', 'stranger']) {
      const response = await as(refused);
      expect(response.body.errors[0].extensions).toMatchObject({ code: 'FORBIDDEN' });
      expect(response.body.errors[0].message).toContain('may not list the members of this group');
    }
    expect(gateway.simulator!.callsOf(ImCommand.GET_GROUP_MEMBER_INFO)).toHaveLength(pagesBefore);
  });

  it('answers UNSUPPORTED_GROUP_TYPE in AVChatRoom, and BAD_USER_INPUT naming the argument for a bad page size or cursor, with no page call', async () => {
    const gateway = await simulatorGateway();
    const live = await gateway.graphql(PAGE, { id: '@TGS#aLIVESTREAM', first: 10 });
    expect(live.body.errors[0].extensions).toMatchObject({ code: 'UNSUPPORTED_GROUP_TYPE', groupType: 'AVChatRoom' });
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ first: 0 }, 'members.first'],
      [{ first: 201 }, 'members.first'],
      [{ first: 10, after: 'not-a-cursor' }, 'members.after'],
      [{ first: 10, after: Buffer.from(JSON.stringify({ offset: -1 })).toString('base64url') }, 'members.after'],
      [{ first: 10, after: 'x'.repeat(100_000) }, 'members.after'],
    ];
    for (const [variables, field] of cases) {
      const response = await gateway.graphql(PAGE, { id: '@TGS#2CLUZEAEJ', ...variables });
      expect(response.body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    expect(gateway.simulator!.callsOf(ImCommand.GET_GROUP_MEMBER_INFO)).toHaveLength(0);
  });

  it('counts `first` against MAX_QUERY_COMPLEXITY: one page of 200 passes, six aliased pages of 200 are refused before any call', async () => {
    const gateway = await simulatorGateway();
    const one = await gateway.graphql(PAGE, { id: '@TGS#2CLUZEAEJ', first: 200 });
    expect(one.body.errors).toBeUndefined();
    const six = `{ ${Array.from({ length: 6 }, (_, i) => `p${i}: group(id: "@TGS#2CLUZEAEJ") { members(first: 200) { totalCount } }`).join(' ')} }`;
    const pagesBefore = gateway.simulator!.callsOf(ImCommand.GET_GROUP_MEMBER_INFO).length;
    const refused = await gateway.graphql(six);
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].extensions).toMatchObject({ code: 'OPERATION_LIMIT_EXCEEDED', limit: 'complexity', max: 1000 });
    expect(gateway.simulator!.callsOf(ImCommand.GET_GROUP_MEMBER_INFO)).toHaveLength(pagesBefore);
  });
});
