import { onCleanup } from '../support/cleanup';
import { FakeIm, OK_REPLY } from '../support/fake-im';
import { SET_UNREAD, startTestGateway } from '../support/gateway';
import { ImCommand } from '../../src/tencent/commands';

describe('no stale write after a timeout', () => {
  it('IM slow on the first call: set(bob, 1) times out and is retried, set(bob, 2) follows; the abandoned call lands late, and bob still ends at 2', async () => {
    // IM applies a value when it finishes processing. The first call takes 1.5 s (the gateway gives up after
    // 500 ms), so it lands after the retry; a set(bob, 2) sent without waiting would be overwritten by it.
    const applied: number[] = [];
    const fake = new FakeIm(async (request, index) => {
      if (request.command !== ImCommand.SET_UNREAD_MSG_NUM) return OK_REPLY;
      if (index === 0) await new Promise((resolve) => setTimeout(resolve, 1500));
      applied.push(request.body.UnreadMsgNum as number);
      return OK_REPLY;
    });
    const gateway = await startTestGateway({ IM_TIMEOUT_MS: '500' }, await fake.start());
    onCleanup(async () => {
      await gateway.stop();
      await fake.close();
    });
    const input = (unreadCount: number) => ({ input: { groupId: '@TGS#2CLUZEAEJ', memberAccount: 'bob', unreadCount } });

    expect((await gateway.graphql(SET_UNREAD, input(1))).body.data.setGroupMemberUnreadCount.unreadCount).toBe(1);
    expect((await gateway.graphql(SET_UNREAD, input(2))).body.data.setGroupMemberUnreadCount.unreadCount).toBe(2);
    // The retry applied 1, the abandoned first call landed late with 1, and only then did 2 go out.
    expect(applied).toEqual([1, 1, 2]);
    expect(fake.requestsFor(ImCommand.SET_UNREAD_MSG_NUM).map((request) => request.body.UnreadMsgNum)).toEqual([1, 1, 2]);
  });
});
