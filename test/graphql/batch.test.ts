import { onCleanup } from '../support/cleanup';
import { FakeIm } from '../support/fake-im';
import { SET_UNREAD_BATCH, startTestGateway, type TestGateway } from '../support/gateway';

const group = '@TGS#2CLUZEAEJ';

describe('setGroupMemberUnreadCounts', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({ IM_MAX_BATCH_SIZE: '20' });
  });
  afterAll(() => gateway.stop());

  it('returns one result per input, in order, where one bad item never fails the others', async () => {
    const response = await gateway.graphql(SET_UNREAD_BATCH, {
      inputs: [
        { groupId: group, memberAccount: 'bob', unreadCount: 3 },
        { groupId: group, memberAccount: 'x'.repeat(40), unreadCount: 1 },
        { groupId: '@TGS#NOSUCHGROUP', memberAccount: 'bob', unreadCount: 1 },
        { groupId: group, memberAccount: 'stranger', unreadCount: 1 },
        { groupId: group, memberAccount: 'dave', unreadCount: 9 },
      ],
    });
    expect(response.body.errors).toBeUndefined();
    const results = response.body.data.setGroupMemberUnreadCounts.results;
    expect(results.map((result: { ok: boolean }) => result.ok)).toEqual([true, false, false, false, true]);
    expect(results[0]).toEqual({ groupId: group, memberAccount: 'bob', unreadCount: 3, ok: true, error: null });
    expect(results[1].error).toMatchObject({ code: 'BAD_USER_INPUT', retryable: false, imErrorCode: null });
    expect(results[1].error.message).toContain('inputs[1].memberAccount');
    expect(results[2].error).toMatchObject({ code: 'GROUP_NOT_FOUND', imErrorCode: 10010, retryable: false });
    expect(results[3].error).toMatchObject({ code: 'FORBIDDEN', imErrorCode: 10007, retryable: false });
    expect(gateway.simulator!.unreadCount(group, 'bob')).toBe(3);
    expect(gateway.simulator!.unreadCount(group, 'dave')).toBe(9);
  });

  it('merges items for the same member: the later item wins and one IM call is made', async () => {
    const before = gateway.simulator!.callsOf('group_open_http_svc/set_unread_msg_num').length;
    const response = await gateway.graphql(SET_UNREAD_BATCH, {
      inputs: [
        { groupId: group, memberAccount: 'alice', unreadCount: 1 },
        { groupId: group, memberAccount: 'alice', unreadCount: 2 },
      ],
    });
    const results = response.body.data.setGroupMemberUnreadCounts.results;
    expect(results.map((result: { unreadCount: number; ok: boolean }) => [result.ok, result.unreadCount])).toEqual([
      [true, 2],
      [true, 2],
    ]);
    expect(gateway.simulator!.callsOf('group_open_http_svc/set_unread_msg_num').length - before).toBe(1);
    expect(gateway.simulator!.unreadCount(group, 'alice')).toBe(2);
  });

  it('clamps like IM: the value is capped at the group’s message count', async () => {
    await gateway.graphql(SET_UNREAD_BATCH, { inputs: [{ groupId: group, memberAccount: 'carol', unreadCount: 1_000_000 }] });
    expect(gateway.simulator!.unreadCount(group, 'carol')).toBe(100);
  });

  it('refuses more than IM_MAX_BATCH_SIZE items with BAD_USER_INPUT before any IM call', async () => {
    const before = gateway.simulator!.calls.length;
    const inputs = Array.from({ length: 21 }, (_, i) => ({ groupId: group, memberAccount: `m${i}`, unreadCount: 1 }));
    const response = await gateway.graphql(SET_UNREAD_BATCH, { inputs });
    expect(response.body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'inputs' });
    expect(response.body.errors[0].message).toContain('at most 20');
    expect(gateway.simulator!.calls.length).toBe(before);
  });
});

describe('a batch against an IM that fails for one member', () => {
  it('reports retryable per-item errors with the same code and flags as the single mutation', async () => {
    const fake = new FakeIm((request) => (request.body.Member_Account === 'bob' ? { status: 503, text: 'down' } : { ErrorCode: 0 }));
    const gateway = await startTestGateway({ IM_MAX_RETRIES: '1' }, await fake.start());
    onCleanup(async () => {
      await gateway.stop();
      await fake.close();
    });
    const response = await gateway.graphql(SET_UNREAD_BATCH, {
      inputs: [
        { groupId: group, memberAccount: 'bob', unreadCount: 1 },
        { groupId: group, memberAccount: 'alice', unreadCount: 1 },
      ],
    });
    const [bob, alice] = response.body.data.setGroupMemberUnreadCounts.results;
    expect(bob).toMatchObject({ ok: false, error: { code: 'IM_UNAVAILABLE', retryable: true, imErrorCode: null } });
    expect(alice).toMatchObject({ ok: true, error: null });
  });
});
