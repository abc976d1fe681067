import { GroupMemberUnreadDocument } from '../../packages/client/src/generated';
import { print } from 'graphql';
import { ImCommand } from '../../src/tencent/commands';
import { onCleanup } from '../support/cleanup';
import { startTestGateway, type TestGateway } from '../support/gateway';

const READ = print(GroupMemberUnreadDocument);
const GROUP = '@TGS#2CLUZEAEJ'; // the demo group: 100 messages, alice Owner, carol Admin, bob and dave Members
const SET = `mutation Set($input: SetGroupMemberUnreadCountInput!) {
  setGroupMemberUnreadCount(input: $input) { unreadCount member { unreadCount readMsgSeq } }
}`;

async function simulatorGateway(env: Record<string, string> = {}): Promise<TestGateway> {
  const gateway = await startTestGateway(env);
  onCleanup(() => gateway.stop());
  return gateway;
}

/** The simulator's control endpoint, as a frontend team would call it. */
async function messagesArrive(gateway: TestGateway, groupId: string, count: number): Promise<Response> {
  return fetch(`${gateway.core.endpoint.baseUrl}/simulator/messages`, { method: 'POST', body: JSON.stringify({ groupId, count }) });
}

describe('reading unread counts back (GroupMember.unreadCount, readMsgSeq, Group.nextMsgSeq)', () => {
  it('set 7, read 7; three messages later, read 10; set 1000 in a group of 103 messages, read 103', async () => {
    const gateway = await simulatorGateway();
    const set = await gateway.graphql(SET, { input: { groupId: GROUP, memberAccount: 'bob', unreadCount: 7 } });
    expect(set.body.data.setGroupMemberUnreadCount).toEqual({ unreadCount: 7, member: { unreadCount: 7, readMsgSeq: 93 } });
    const read = await gateway.graphql(READ, { groupId: GROUP, memberAccount: 'bob' });
    expect(read.body.data.groupMember).toEqual({ groupId: GROUP, memberAccount: 'bob', unreadCount: 7, readMsgSeq: 93, group: { id: GROUP, nextMsgSeq: 101 } });

    expect((await messagesArrive(gateway, GROUP, 3)).status).toBe(200);
    const later = await gateway.graphql(READ, { groupId: GROUP, memberAccount: 'bob' });
    expect(later.body.data.groupMember).toMatchObject({ unreadCount: 10, readMsgSeq: 93, group: { nextMsgSeq: 104 } });

    gateway.simulator!.addGroup({ groupId: '@TGS#ONEOHTHREE', type: 'Public', messageCount: 103, members: { bob: 'Member' } });
    const clamped = await gateway.graphql(SET, { input: { groupId: '@TGS#ONEOHTHREE', memberAccount: 'bob', unreadCount: 1000 } });
    expect(clamped.body.data.setGroupMemberUnreadCount).toEqual({ unreadCount: 1000, member: { unreadCount: 103, readMsgSeq: 0 } });
  });

  it('reads 60 members of one group with 2 member-info calls of at most 50 accounts and at most 1 get_group_info', async () => {
    const gateway = await simulatorGateway();
    const members = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`m${i}`, 'Member' as const]));
    gateway.simulator!.addGroup({ groupId: '@TGS#SIXTY', type: 'Private', messageCount: 40, members });
    const before = gateway.simulator!.calls.length;
    const query = `{ ${Array.from({ length: 60 }, (_, i) => `m${i}: groupMember(groupId: "@TGS#SIXTY", memberAccount: "m${i}") { unreadCount }`).join(' ')} }`;
    const response = await gateway.graphql(query);
    expect(response.body.errors).toBeUndefined();
    expect(Object.values(response.body.data)).toEqual(Array(60).fill({ unreadCount: 0 }));
    const calls = gateway.simulator!.calls.slice(before);
    const memberInfo = calls.filter((call) => call.command === ImCommand.GET_SPECIFIED_GROUP_MEMBER_INFO);
    expect(memberInfo.map((call) => (call.body as { Member_List_Account: string[] }).Member_List_Account.length).sort()).toEqual([10, 50]);
    expect(calls.filter((call) => call.command === ImCommand.GET_GROUP_INFO).length).toBeLessThanOrEqual(1);
  });

  it('answers null for an account that is not a member, UNSUPPORTED_GROUP_TYPE in AVChatRoom, GROUP_NOT_FOUND for a missing group', async () => {
    const gateway = await simulatorGateway();
    const stranger = await gateway.graphql(READ, { groupId: GROUP, memberAccount: 'stranger' });
    expect(stranger.body.data.groupMember).toMatchObject({ unreadCount: null, readMsgSeq: null });
    const meeting = await gateway.graphql(READ, { groupId: '@TGS#3MEETING1', memberAccount: 'bob' });
    expect(meeting.body.data.groupMember).toMatchObject({ unreadCount: 0 }); // ChatRoom groups can be read
    // Every field says the same, about reading (not a FORBIDDEN from IM's 10007, not a message about setting counts).
    for (const field of ['role', 'unreadCount', 'readMsgSeq']) {
      const live = await gateway.graphql(`{ groupMember(groupId: "@TGS#aLIVESTREAM", memberAccount: "bob") { ${field} } }`);
      expect(live.body.errors).toHaveLength(1);
      expect(live.body.errors[0].extensions).toMatchObject({ code: 'UNSUPPORTED_GROUP_TYPE', groupType: 'AVChatRoom' });
      expect(live.body.errors[0].message).toBe('Members cannot be read in AVChatRoom groups: IM keeps no member list for them (no roles, no read positions, no unread counts)');
    }
    const asMember = await gateway.graphql('{ groupMember(groupId: "@TGS#aLIVESTREAM", memberAccount: "dave") { role } }', undefined, gateway.userSigHeader('bob'));
    expect(asMember.body.errors[0].extensions).toMatchObject({ code: 'UNSUPPORTED_GROUP_TYPE' });
    const gone = await gateway.graphql('{ groupMember(groupId: "@TGS#NOSUCHGROUP", memberAccount: "bob") { unreadCount } }');
    expect(gone.body.errors[0].extensions).toMatchObject({ code: 'GROUP_NOT_FOUND', imErrorCode: 10010 });
    for (const command of [ImCommand.GET_SPECIFIED_GROUP_MEMBER_INFO, ImCommand.GET_ROLE_IN_GROUP]) {
      expect(gateway.simulator!.callsOf(command).map((call) => (call.body as { GroupId: string }).GroupId)).not.toContain('@TGS#aLIVESTREAM');
    }
  });

  it('lets app admins, the group’s Owner and Admins and the member themself read, and nobody else (no member-info call)', async () => {
    const gateway = await simulatorGateway({ AUTH_MODE: 'usersig' });
    const cases: Array<[string, string, boolean]> = [
      ['bob', 'bob', true],
      ['bob', 'dave', false],
      ['alice', 'bob', true],
      ['carol', 'dave', true],
      ['administrator', 'bob', true],
      ['eve', 'bob', false],
    ];
    for (const [caller, member, allowed] of cases) {
      const before = gateway.simulator!.callsOf(ImCommand.GET_SPECIFIED_GROUP_MEMBER_INFO).length;
      const response = await gateway.graphql(READ, { groupId: GROUP, memberAccount: member }, gateway.userSigHeader(caller));
      if (allowed) expect(response.body.data.groupMember.unreadCount).toBe(0);
      else expect(response.body.errors[0].extensions.code).toBe('FORBIDDEN');
      expect(gateway.simulator!.callsOf(ImCommand.GET_SPECIFIED_GROUP_MEMBER_INFO).length - before).toBe(allowed ? 1 : 0);
    }
  });

  it('refuses a control request it cannot apply', async () => {
    const gateway = await simulatorGateway();
    expect((await messagesArrive(gateway, '@TGS#NOSUCHGROUP', 3)).status).toBe(400);
    expect((await messagesArrive(gateway, GROUP, 0)).status).toBe(400);
  });
});
