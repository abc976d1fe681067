import { onCleanup } from '../support/cleanup';
import { ImCommand } from '../../src/tencent/commands';
import { FakeIm, imError, OK_REPLY, type ReceivedRequest } from '../support/fake-im';
import { SET_UNREAD, SET_UNREAD_BATCH, startTestGateway, type TestGateway } from '../support/gateway';

/** A fake IM that knows group types: get_group_info answers per item (10010 for unknown groups), set calls succeed. */
function groupInfoIm(types: Record<string, string>): FakeIm {
  return new FakeIm((request: ReceivedRequest) => {
    if (request.command !== ImCommand.GET_GROUP_INFO) return OK_REPLY;
    return {
      ...OK_REPLY,
      GroupInfo: (request.body.GroupIdList as string[]).map((groupId) =>
        groupId in types
          ? { GroupId: groupId, ErrorCode: 0, ErrorInfo: '', Type: types[groupId] }
          : { GroupId: groupId, ErrorCode: 10010, ErrorInfo: 'this group does not exist' },
      ),
    };
  }, { groupTypes: 'scripted' });
}

const input = (groupId: string, memberAccount = 'bob', unreadCount = 1) => ({ input: { groupId, memberAccount, unreadCount } });

describe('group-type check (no silent no-ops)', () => {
  let fake: FakeIm;
  let gateway: TestGateway;
  const types: Record<string, string> = { '@TGS#PUB': 'Public', '@TGS#MEET': 'ChatRoom', '@TGS#LIVE': 'AVChatRoom', '@TGS#_COMM': 'Community' };
  for (let i = 0; i < 120; i++) types[`@TGS#G${i}`] = 'Private';

  beforeEach(async () => {
    fake = groupInfoIm(types);
    gateway = await startTestGateway({ CHECK_GROUP_TYPE: 'true', GROUP_TYPE_CACHE_SIZE: '200' }, await fake.start());
  });
  afterEach(async () => {
    await gateway.stop();
    await fake.close();
  });

  it.each([
    ['@TGS#MEET', 'ChatRoom'],
    ['@TGS#LIVE', 'AVChatRoom'],
  ])('refuses %s (%s) with UNSUPPORTED_GROUP_TYPE and no set call', async (groupId, groupType) => {
    const response = await gateway.graphql(SET_UNREAD, input(groupId));
    expect(response.body.errors[0].extensions).toMatchObject({ code: 'UNSUPPORTED_GROUP_TYPE', groupType, retryable: false });
    expect(response.body.errors[0].message).toContain(groupType);
    expect(fake.requestsFor(ImCommand.SET_UNREAD_MSG_NUM)).toHaveLength(0);
    expect(fake.requestsFor(ImCommand.GET_GROUP_INFO)[0].body).toEqual({ GroupIdList: [groupId], ResponseFilter: { GroupBaseInfoFilter: ['Type'] } });
  });

  it('answers GROUP_NOT_FOUND with IM’s 10010 for a missing group, and does not remember it', async () => {
    for (let i = 0; i < 2; i++) {
      const response = await gateway.graphql(SET_UNREAD, input('@TGS#GONE'));
      expect(response.body.errors[0].extensions).toMatchObject({ code: 'GROUP_NOT_FOUND', imErrorCode: 10010, retryable: false });
    }
    expect(fake.requestsFor(ImCommand.GET_GROUP_INFO)).toHaveLength(2);
    expect(fake.requestsFor(ImCommand.SET_UNREAD_MSG_NUM)).toHaveLength(0);
  });

  it('looks a group up once per process: its type never changes', async () => {
    for (let i = 0; i < 3; i++) {
      expect((await gateway.graphql(SET_UNREAD, input('@TGS#PUB', 'bob', i))).body.errors).toBeUndefined();
      expect((await gateway.graphql(SET_UNREAD, input('@TGS#_COMM', 'bob', i))).body.errors).toBeUndefined();
    }
    expect(fake.requestsFor(ImCommand.GET_GROUP_INFO)).toHaveLength(2);
    expect(fake.requestsFor(ImCommand.SET_UNREAD_MSG_NUM)).toHaveLength(6);
    expect(gateway.core.groupTypes.size).toBe(2);
  });

  it('batches the lookups of a batch: 120 new groups cost three get_group_info calls of at most 50', async () => {
    const inputs = Array.from({ length: 120 }, (_, i) => ({ groupId: `@TGS#G${i}`, memberAccount: 'bob', unreadCount: i }));
    const response = await gateway.graphql(SET_UNREAD_BATCH, { inputs });
    expect(response.body.data.setGroupMemberUnreadCounts.results.every((result: { ok: boolean }) => result.ok)).toBe(true);
    const lookups = fake.requestsFor(ImCommand.GET_GROUP_INFO).map((request) => request.body.GroupIdList.length);
    expect(lookups.sort((a, b) => b - a)).toEqual([50, 50, 20]);
  });

  it('keeps the cache bounded, forgetting the least recently used group', async () => {
    const small = groupInfoIm(types);
    const bounded = await startTestGateway({ CHECK_GROUP_TYPE: 'true', GROUP_TYPE_CACHE_SIZE: '2' }, await small.start());
    onCleanup(async () => {
      await bounded.stop();
      await small.close();
    });
    for (const groupId of ['@TGS#G1', '@TGS#G2', '@TGS#G1', '@TGS#G3', '@TGS#G1', '@TGS#G2']) {
      expect((await bounded.graphql(SET_UNREAD, input(groupId))).body.errors).toBeUndefined();
    }
    // G1 stays (used recently); G2 is pushed out by G3 and looked up again.
    expect(small.requestsFor(ImCommand.GET_GROUP_INFO).map((request) => request.body.GroupIdList[0])).toEqual(['@TGS#G1', '@TGS#G2', '@TGS#G3', '@TGS#G2']);
    expect(bounded.core.groupTypes.size).toBe(2);
  });

  it('fails an update whose lookup fails (retryable), without a set call', async () => {
    fake.handler = (request) => (request.command === ImCommand.GET_GROUP_INFO ? imError(70169) : OK_REPLY);
    const response = await gateway.graphql(SET_UNREAD, input('@TGS#PUB'));
    expect(response.body.errors[0].extensions).toMatchObject({ code: 'IM_UNAVAILABLE', retryable: true });
    expect(fake.requestsFor(ImCommand.SET_UNREAD_MSG_NUM)).toHaveLength(0);
  });
});

describe('CHECK_GROUP_TYPE=false', () => {
  it('skips the lookup: the set call goes straight out, even where IM will ignore it', async () => {
    const fake = groupInfoIm({ '@TGS#MEET': 'ChatRoom' });
    const gateway = await startTestGateway({ CHECK_GROUP_TYPE: 'false' }, await fake.start());
    onCleanup(async () => {
      await gateway.stop();
      await fake.close();
    });
    const response = await gateway.graphql(SET_UNREAD, input('@TGS#MEET'));
    expect(response.body.errors).toBeUndefined();
    expect(fake.requestsFor(ImCommand.GET_GROUP_INFO)).toHaveLength(0);
    expect(fake.requestsFor(ImCommand.SET_UNREAD_MSG_NUM)).toHaveLength(1);
  });
});
