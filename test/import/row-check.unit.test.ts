import { GroupTypeCache } from '../../src/groups/group-type-cache';
import { imRowCheck } from '../../src/import/row-check';
import { hasLanded } from '../../src/domain/unread';
import { createProcessReads } from '../../src/reads/process-reads';
import { ImApi, ImCommand, type ImCall } from '../../src/tencent/commands';

describe('the import’s diff rule (write a row only when IM’s value differs)', () => {
  it('matches an equal count, and a count IM clamped to the group’s messages; differs otherwise', () => {
    expect(hasLanded(5, { unreadCount: 5, messages: 100 })).toBe(true); // equal
    expect(hasLanded(1000, { unreadCount: 100, messages: 100 })).toBe(true); // clamped-equal: IM holds the whole count
    expect(hasLanded(100, { unreadCount: 100, messages: 100 })).toBe(true);
    expect(hasLanded(4, { unreadCount: 5, messages: 100 })).toBe(false); // differs
    expect(hasLanded(1000, { unreadCount: 99, messages: 100 })).toBe(false); // above the messages, but IM is not at the whole count
    expect(hasLanded(0, { unreadCount: 0, messages: 0 })).toBe(true);
  });

  /** IM in one recording function: a Public group of 100 messages where bob has read 95 and carol 100. */
  function imOf(calls: string[]): ImApi {
    const call: ImCall = async (command, body) => {
      calls.push(command);
      if (command === ImCommand.GET_GROUP_INFO) {
        return { ErrorCode: 0, GroupInfo: (body.GroupIdList as string[]).map((GroupId) => (GroupId === 'g' ? { GroupId, ErrorCode: 0, Type: 'Public', NextMsgSeq: 101 } : { GroupId, ErrorCode: 10010 })) };
      }
      const read: Record<string, number> = { bob: 95, carol: 100 };
      const asked = body.Member_List_Account as string[];
      return { ErrorCode: 0, MemberList: asked.filter((account) => account in read).map((Member_Account) => ({ Member_Account, MsgSeq: read[Member_Account] })) };
    };
    return new ImApi(call);
  }

  it('checks rows against IM: matching, differs, and the write’s own refusals (not a member, no such group) with no write', async () => {
    const calls: string[] = [];
    const api = imOf(calls);
    const check = imRowCheck(new GroupTypeCache(api, 100), createProcessReads(api, 0));
    expect(await check({ groupId: 'g', memberAccount: 'bob', unreadCount: 5 })).toBe('matching');
    expect(await check({ groupId: 'g', memberAccount: 'bob', unreadCount: 6 })).toBe('differs');
    expect(await check({ groupId: 'g', memberAccount: 'carol', unreadCount: 0 })).toBe('matching');
    await expect(check({ groupId: 'g', memberAccount: 'stranger', unreadCount: 0 })).rejects.toMatchObject({ code: 'FORBIDDEN', imErrorCode: 10007 });
    await expect(check({ groupId: 'gone', memberAccount: 'bob', unreadCount: 0 })).rejects.toMatchObject({ code: 'GROUP_NOT_FOUND' });
    expect(calls).not.toContain(ImCommand.SET_UNREAD_MSG_NUM);
  });
});
