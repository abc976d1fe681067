import type { GroupRole, GroupType } from '../domain/group';
import { isImGroupId } from '../domain/ids';
import { unreadCountOf } from '../domain/unread';
import { MAX_ACCOUNTS_PER_MEMBER_INFO_CALL, MAX_ACCOUNTS_PER_ROLE_CALL, MAX_GROUPS_PER_INFO_CALL, MAX_MEMBERS_PER_PAGE_CALL } from '../tencent/commands';
import type { SimulatedGroupSeed } from './demo-data';

/** IM takes UnreadMsgNum as a 32-bit unsigned integer. */
const MAX_UINT32 = 0xffffffff;

interface SimulatedGroup {
  type: GroupType;
  /** Messages so far: the next message gets sequence number messageCount + 1 (IM's NextMsgSeq). */
  messageCount: number;
  /** Each member's MsgSeq: the sequence number of the last message they have read. */
  members: Map<string, { role: Exclude<GroupRole, 'NotMember'>; msgSeq: number }>;
}

export type Reply = { ErrorCode: number; ErrorInfo?: string } & Record<string, unknown>;

/**
 * The simulator's groups and the IM group commands over them, as Tencent documents them: unread counts kept
 * as NextMsgSeq and each member's MsgSeq, clamped to the group's messages, ignored in ChatRoom and AVChatRoom.
 */
export class SimulatedGroups {
  private readonly groups = new Map<string, SimulatedGroup>();

  add(seed: SimulatedGroupSeed): void {
    this.groups.set(seed.groupId, {
      type: seed.type,
      messageCount: seed.messageCount,
      // Everyone starts with everything read.
      members: new Map(Object.entries(seed.members).map(([account, role]) => [account, { role, msgSeq: seed.messageCount }])),
    });
  }

  /** A member's unread count as IM holds it, or undefined when not a member. */
  unreadCount(groupId: string, account: string): number | undefined {
    const group = this.groups.get(groupId);
    const member = group?.members.get(account);
    return group === undefined || member === undefined ? undefined : unreadCountOf(group.messageCount + 1, member.msgSeq);
  }

  /** New messages arrive in a group (nobody reads them yet): every member's unread count grows by `count`. */
  addMessages(groupId: string, count: number): boolean {
    const group = this.groups.get(groupId);
    if (group === undefined) return false;
    group.messageCount += count;
    return true;
  }

  /** The group's NextMsgSeq (undefined for a group it does not hold). */
  nextMsgSeq(groupId: string): number | undefined {
    const group = this.groups.get(groupId);
    return group === undefined ? undefined : group.messageCount + 1;
  }

  setUnreadMsgNum(fields: Record<string, unknown>): Reply {
    const { GroupId, Member_Account, UnreadMsgNum } = fields;
    if (typeof GroupId !== 'string' || typeof Member_Account !== 'string' || Member_Account === '') {
      return fail(10004, 'GroupId and Member_Account are required strings');
    }
    if (typeof UnreadMsgNum !== 'number' || !Number.isInteger(UnreadMsgNum) || UnreadMsgNum < 0 || UnreadMsgNum > MAX_UINT32) {
      return fail(10004, 'UnreadMsgNum must be a non-negative integer');
    }
    if (!isImGroupId(GroupId)) return fail(10015, 'invalid GroupId');
    const group = this.groups.get(GroupId);
    if (group === undefined) return fail(10010, 'group does not exist or was disbanded');
    const member = group.members.get(Member_Account);
    if (member === undefined) return fail(10007, 'member is not in the group');
    // ChatRoom (Meeting) and AVChatRoom: IM answers success and changes nothing.
    // Setting N marks all but the last N messages read; more than the group holds is clamped, as IM does.
    if (group.type !== 'ChatRoom' && group.type !== 'AVChatRoom') {
      member.msgSeq = group.messageCount - Math.min(UnreadMsgNum, group.messageCount);
    }
    return ok();
  }

  getGroupInfo(fields: Record<string, unknown>): Reply {
    const ids = fields.GroupIdList;
    if (!Array.isArray(ids) || ids.length === 0 || ids.length > MAX_GROUPS_PER_INFO_CALL || !ids.every((id) => typeof id === 'string')) {
      return fail(10004, `GroupIdList must hold 1 to ${MAX_GROUPS_PER_INFO_CALL} group IDs`);
    }
    return ok({
      GroupInfo: (ids).map((groupId) => {
        const group = this.groups.get(groupId);
        if (group === undefined) return { GroupId: groupId, ErrorCode: 10010, ErrorInfo: 'group does not exist' };
        return { GroupId: groupId, ErrorCode: 0, ErrorInfo: '', Type: group.type, MemberNum: group.members.size, NextMsgSeq: group.messageCount + 1 };
      }),
    });
  }

  getRoleInGroup(fields: Record<string, unknown>): Reply {
    const asked = this.memberCommand(fields, 'User_Account', MAX_ACCOUNTS_PER_ROLE_CALL);
    if ('ErrorCode' in asked) return asked;
    const { group, accounts } = asked;
    return ok({ UserIdList: accounts.map((account) => ({ Member_Account: account, Role: group.members.get(account)?.role ?? 'NotMember' })) });
  }

  getSpecifiedGroupMemberInfo(fields: Record<string, unknown>): Reply {
    const asked = this.memberCommand(fields, 'Member_List_Account', MAX_ACCOUNTS_PER_MEMBER_INFO_CALL);
    if ('ErrorCode' in asked) return asked;
    const { group, accounts } = asked;
    // Accounts not in the group are simply left out, as IM does.
    const MemberList = accounts.flatMap((account) => {
      const member = group.members.get(account);
      return member === undefined ? [] : [{ Member_Account: account, Role: member.role, JoinTime: 0, MsgSeq: member.msgSeq, MsgFlag: 'AcceptAndNotify', LastSendMsgTime: 0, NameCard: '' }];
    });
    return ok({ GroupId: fields.GroupId, MemberList });
  }

  /**
   * A group's members page by page, as IM documents it: `Limit` (≤ 200) and `Offset`; Community groups page
   * with `Next` ('' first, then the token each page returns, '' after the last). `MemberInfoFilter` keeps
   * only the fields asked (Member_Account always). `MemberNum` is the group's member count.
   */
  getGroupMemberInfo(fields: Record<string, unknown>): Reply {
    const { GroupId, Limit, Offset, Next, MemberInfoFilter } = fields;
    if (typeof GroupId !== 'string') return fail(10004, 'GroupId is required');
    if (!isImGroupId(GroupId)) return fail(10015, 'invalid GroupId');
    const group = this.groups.get(GroupId);
    if (group === undefined) return fail(10010, 'group does not exist or was disbanded');
    if (group.type === 'AVChatRoom') return fail(10007, 'AVChatRoom groups have no member list');
    const limit = Limit === undefined ? MAX_MEMBERS_PER_PAGE_CALL : Limit;
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_MEMBERS_PER_PAGE_CALL) return fail(10004, `Limit must be 1 to ${MAX_MEMBERS_PER_PAGE_CALL}`);
    let start: number;
    if (group.type === 'Community') {
      if (typeof Next !== 'string') return fail(10004, 'Community groups page with Next: "" for the first page');
      start = Next === '' ? 0 : Number.parseInt(Buffer.from(Next, 'base64').toString('utf8'), 10);
      if (!Number.isInteger(start) || start < 0) return fail(10004, 'Next is not a token this group returned');
    } else {
      start = Offset === undefined ? 0 : (Offset as number);
      if (typeof start !== 'number' || !Number.isInteger(start) || start < 0) return fail(10004, 'Offset must be a non-negative integer');
    }
    const wanted = Array.isArray(MemberInfoFilter) ? new Set(MemberInfoFilter) : undefined;
    const all = [...group.members];
    const MemberList = all.slice(start, start + limit).map(([account, member]) => {
      const full: Record<string, unknown> = { Member_Account: account, Role: member.role, JoinTime: 0, MsgSeq: member.msgSeq, MsgFlag: 'AcceptAndNotify', LastSendMsgTime: 0, NameCard: '' };
      return wanted === undefined ? full : Object.fromEntries(Object.entries(full).filter(([field]) => field === 'Member_Account' || wanted.has(field)));
    });
    const end = start + MemberList.length;
    const paging = group.type === 'Community' ? { Next: end < all.length ? Buffer.from(String(end)).toString('base64') : '' } : {};
    return ok({ MemberNum: all.length, MemberList, ...paging });
  }

  /** What the member-level commands check alike, in IM's order: the body, the group ID, the group, its type. */
  private memberCommand(fields: Record<string, unknown>, listField: string, max: number): { group: SimulatedGroup; accounts: string[] } | Reply {
    const { GroupId } = fields;
    const accounts = fields[listField];
    if (typeof GroupId !== 'string') return fail(10004, 'GroupId is required');
    if (!Array.isArray(accounts) || accounts.length === 0 || accounts.length > max || !accounts.every((account) => typeof account === 'string')) {
      return fail(10004, `${listField} must hold 1 to ${max} accounts`);
    }
    if (!isImGroupId(GroupId)) return fail(10015, 'invalid GroupId');
    const group = this.groups.get(GroupId);
    if (group === undefined) return fail(10010, 'group does not exist or was disbanded');
    if (group.type === 'AVChatRoom') return fail(10007, 'AVChatRoom groups have no member list');
    return { group, accounts: accounts };
  }
}

function ok(extra: Record<string, unknown> = {}): Reply {
  return { ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0, ...extra };
}

export function fail(errorCode: number, errorInfo: string): Reply {
  return { ActionStatus: 'FAIL', ErrorInfo: errorInfo, ErrorCode: errorCode };
}
