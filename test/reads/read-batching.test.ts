import { ImCommand } from '../../src/tencent/commands';
import { onCleanup } from '../support/cleanup';
import { FakeIm, OK_REPLY, type ReceivedRequest } from '../support/fake-im';
import { postGraphQL, SET_UNREAD, startTestGateway, type TestGateway } from '../support/gateway';
import { startGatewayProcess } from '../support/process';
import { adminAuthorization } from '../support/test-app';
import { until } from '../support/wait';

const GROUP = '@TGS#2CLUZEAEJ';
const auth = adminAuthorization();
const READ = `query Read($groupId: ID!, $memberAccount: ID!) { groupMember(groupId: $groupId, memberAccount: $memberAccount) { unreadCount } }`;

/**
 * One group as IM holds it, answering the read commands after `delayMs` (IM's round trip): NextMsgSeq, each
 * member's MsgSeq (the last message read) and role. Tests change it between calls as IM's own state changes.
 */
class GroupAtIm {
  nextMsgSeq = 101;
  readonly msgSeq = new Map<string, number>();
  readonly roles = new Map<string, string>();
  /** While set, member-info answers wait for it: a call held at IM. */
  hold?: Promise<void>;
  readonly fake: FakeIm;

  constructor(private readonly delayMs: number) {
    this.fake = new FakeIm((request) => this.answer(request), { groupTypes: 'scripted' });
  }

  calls(command: string): ReceivedRequest[] {
    return this.fake.requestsFor(command);
  }

  private async answer(request: ReceivedRequest) {
    const body = request.body as Record<string, any>;
    if (request.command === ImCommand.GET_GROUP_INFO) {
      const GroupInfo = (body.GroupIdList as string[]).map((GroupId) => ({ GroupId, ErrorCode: 0, Type: 'Public', NextMsgSeq: this.nextMsgSeq }));
      return { json: { ...OK_REPLY, GroupInfo }, delayMs: this.delayMs };
    }
    if (request.command === ImCommand.GET_SPECIFIED_GROUP_MEMBER_INFO) {
      const asked = body.Member_List_Account as string[];
      // IM's state as the call arrives: what a held call answers was read when it came in.
      const MemberList = asked.filter((account) => this.msgSeq.has(account)).map((Member_Account) => ({ Member_Account, MsgSeq: this.msgSeq.get(Member_Account) }));
      await this.hold;
      return { json: { ...OK_REPLY, MemberList }, delayMs: this.delayMs };
    }
    if (request.command === ImCommand.GET_ROLE_IN_GROUP) {
      const UserIdList = (body.User_Account as string[]).map((Member_Account) => ({ Member_Account, Role: this.roles.get(Member_Account) ?? 'NotMember' }));
      return { json: { ...OK_REPLY, UserIdList }, delayMs: this.delayMs };
    }
    if (request.command === ImCommand.SET_UNREAD_MSG_NUM) {
      // Setting N marks all but the last N messages read (clamped to the group's messages).
      const messages = this.nextMsgSeq - 1;
      this.msgSeq.set(body.Member_Account as string, messages - Math.min(body.UnreadMsgNum as number, messages));
    }
    return { json: OK_REPLY, delayMs: this.delayMs };
  }
}

async function gatewayOn(im: GroupAtIm, env: Record<string, string> = {}): Promise<TestGateway> {
  const gateway = await startTestGateway(env, await im.fake.start());
  onCleanup(async () => {
    await gateway.stop();
    await im.fake.close();
  });
  return gateway;
}

describe('reads batched across concurrent requests (process-wide, per read command)', () => {
  it('200 concurrent single-member reads of 4 members of one group (IM at 20 ms): every answer right, at most 8 IM calls', async () => {
    const im = new GroupAtIm(20);
    const accounts = ['m0', 'm1', 'm2', 'm3'];
    accounts.forEach((account, i) => im.msgSeq.set(account, 90 + i)); // unread: 100 − (90 + i)
    // The gateway in its own process, as deployed: the test's 200 clients do not share its CPU's event loop.
    const gateway = await startGatewayProcess(await im.fake.start());
    onCleanup(async () => {
      gateway.process.child.kill('SIGKILL');
      await im.fake.close();
    });
    const readAll = () => Promise.all(Array.from({ length: 200 }, (_, i) => postGraphQL(gateway.url, READ, { groupId: GROUP, memberAccount: accounts[i % 4] }, auth)));
    // Warm (JIT, lazy initialisation): the count below is the batcher's, not a cold start's.
    for (let round = 0; round < 3; round++) await readAll();
    im.fake.requests.length = 0;
    im.fake.groupInfoRequests.length = 0;
    const responses = await readAll();
    responses.forEach((response, i) => {
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data.groupMember.unreadCount).toBe(10 - (i % 4));
    });
    const groupInfo = im.calls(ImCommand.GET_GROUP_INFO).length;
    const memberInfo = im.calls(ImCommand.GET_SPECIFIED_GROUP_MEMBER_INFO).length;
    process.stdout.write(`200 concurrent reads: ${groupInfo} get_group_info + ${memberInfo} get_specified_group_member_info\n`);
    expect(groupInfo + memberInfo).toBeLessThanOrEqual(8);
  });

  it('15 concurrent updates by a group Admin check the caller’s role with at most 2 get_role_in_group calls', async () => {
    const im = new GroupAtIm(20);
    im.roles.set('carol', 'Admin');
    const gateway = await gatewayOn(im, { ACCOUNT_BURST: '100' }); // carol sends 30 updates here, all at once
    const updateAll = (value: number) =>
      Promise.all(Array.from({ length: 15 }, (_, i) => gateway.graphql(SET_UNREAD, { input: { groupId: GROUP, memberAccount: `m${i}`, unreadCount: value + i } }, gateway.userSigHeader('carol'))));
    // Warm (JIT, lazy initialisation): on a busy machine a cold process takes 15 requests in over several windows.
    await updateAll(100);
    im.fake.requests.length = 0;
    const responses = await updateAll(0);
    expect(responses.map((response) => response.body.errors)).toEqual(Array(15).fill(undefined));
    expect(im.calls(ImCommand.SET_UNREAD_MSG_NUM)).toHaveLength(15);
    expect(im.calls(ImCommand.GET_ROLE_IN_GROUP).length).toBeLessThanOrEqual(2);
  });

  it('a read arriving while an earlier read’s call is at IM is not answered by that call: it sees what IM holds after', async () => {
    const im = new GroupAtIm(0);
    im.msgSeq.set('bob', 90);
    let release!: () => void;
    im.hold = new Promise((resolve) => (release = resolve));
    const gateway = await gatewayOn(im);
    const before = gateway.graphql(READ, { groupId: GROUP, memberAccount: 'bob' });
    await until(() => im.calls(ImCommand.GET_SPECIFIED_GROUP_MEMBER_INFO).length === 1, 'the first read’s call at IM');
    im.msgSeq.set('bob', 97); // bob reads messages: IM now holds 3 unread
    const after = gateway.graphql(READ, { groupId: GROUP, memberAccount: 'bob' });
    im.hold = undefined;
    release();
    expect((await before).body.data.groupMember.unreadCount).toBe(10);
    expect((await after).body.data.groupMember.unreadCount).toBe(3);
    expect(im.calls(ImCommand.GET_SPECIFIED_GROUP_MEMBER_INFO)).toHaveLength(2);
  });

  it('a read after a write sees the write; a read after new messages sees them (nothing kept between calls)', async () => {
    const im = new GroupAtIm(0);
    im.msgSeq.set('bob', 100);
    const gateway = await gatewayOn(im);
    const read = async () => (await gateway.graphql(READ, { groupId: GROUP, memberAccount: 'bob' })).body.data.groupMember.unreadCount;
    expect(await read()).toBe(0);
    im.nextMsgSeq = 106; // five new messages
    expect(await read()).toBe(5);
    const write = await gateway.graphql(SET_UNREAD, { input: { groupId: GROUP, memberAccount: 'bob', unreadCount: 2 } });
    expect(write.body.errors).toBeUndefined();
    expect(await read()).toBe(2);
  });
});
