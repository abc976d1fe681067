import { isGroupRole, isGroupType, type GroupRole, type GroupType } from '../domain/group';
import type { UnreadCountUpdate } from '../domain/member';
import { imUnavailable, type GatewayError } from '../errors';
import { fromImReply } from './error-table';

/** The IM commands this gateway calls: `{service}/{command}` as in the REST URL. */
export const ImCommand = {
  SET_UNREAD_MSG_NUM: 'group_open_http_svc/set_unread_msg_num',
  GET_GROUP_INFO: 'group_open_http_svc/get_group_info',
  GET_ROLE_IN_GROUP: 'group_open_http_svc/get_role_in_group',
  GET_SPECIFIED_GROUP_MEMBER_INFO: 'group_open_http_svc/get_specified_group_member_info',
  GET_GROUP_MEMBER_INFO: 'group_open_http_svc/get_group_member_info',
} as const;
export type ImCommand = (typeof ImCommand)[keyof typeof ImCommand];

/** A successful IM reply (`ErrorCode` 0). Unknown fields are kept and ignored. */
export interface ImReply {
  ErrorCode: number;
  ErrorInfo?: string;
  [field: string]: unknown;
}

/**
 * What the layers above want to hear of a call's attempts; handed down the pipeline to the client, which
 * alone knows when a request really leaves and where it goes. Times are `performance.now()`.
 */
export interface CallHooks {
  /** An attempt starts towards this host (the primary or the backup). */
  onHost?: (host: string) => void;
  /** An attempt's request was written to the socket: the moment IM's rate limit counts. */
  onWritten?: (at: number) => void;
  /** An attempt was written and then given up without IM's answer (timeout, reset, non-200): IM may still apply it. */
  onAbandoned?: (writtenAt: number) => void;
  /** An attempt got its rate-limit permit after waiting this long. */
  onPermit?: (waitMs: number) => void;
}

/** One IM REST call. Every outbound layer (client, limiter, retries) has this shape, so they compose. */
export type ImCall = (command: ImCommand, body: Record<string, unknown>, hooks?: CallHooks) => Promise<ImReply>;

/** Both hooks of each kind, `outer`'s first: how a layer adds its own to those handed down to it. */
export function chainHooks(outer: CallHooks | undefined, inner: CallHooks): CallHooks {
  if (outer === undefined) return inner;
  const both = <A extends unknown[]>(a?: (...args: A) => void, b?: (...args: A) => void) =>
    a === undefined ? b : b === undefined ? a : (...args: A) => (a(...args), b(...args));
  return {
    onHost: both(outer.onHost, inner.onHost),
    onWritten: both(outer.onWritten, inner.onWritten),
    onAbandoned: both(outer.onAbandoned, inner.onAbandoned),
    onPermit: both(outer.onPermit, inner.onPermit),
  };
}

/** IM answers at most this many groups per get_group_info call. */
export const MAX_GROUPS_PER_INFO_CALL = 50;
/** IM answers at most this many accounts per get_role_in_group call. */
export const MAX_ACCOUNTS_PER_ROLE_CALL = 500;
/** IM answers at most this many accounts per get_specified_group_member_info call. */
export const MAX_ACCOUNTS_PER_MEMBER_INFO_CALL = 50;

/** IM answers at most this many members per get_group_member_info page. */
export const MAX_MEMBERS_PER_PAGE_CALL = 200;

/** Where a get_group_member_info page starts: an offset, or (Community groups) the `Next` token of the page before ('' first). */
export type MemberPageStart = { offset: number } | { next: string };

/** One page of a group's members as get_group_member_info answers it. */
export interface MemberPage {
  /** The group's member count (`MemberNum`). */
  memberNum: number;
  members: Array<{ account: string; role: GroupRole; msgSeq: number }>;
  /** Community groups: the token of the next page, '' after the last. */
  next?: string;
}

/** What get_group_info says of one group that exists. */
export interface GroupInfo {
  type: GroupType;
  /** The sequence number the group's next message will get. */
  nextMsgSeq: number;
  /** The group's member count (`MemberNum`), when IM says it. */
  memberNum?: number;
}

/**
 * Typed IM commands over any {@link ImCall} stack: it builds the exact bodies IM documents and reads
 * only the reply fields it needs, so fields Tencent adds later change nothing.
 */
export class ImApi {
  constructor(private readonly call: ImCall) {}

  /** `hooks` let the member's ordering hear of attempts written and abandoned. */
  async setUnreadMsgNum(update: UnreadCountUpdate, hooks?: CallHooks): Promise<void> {
    await this.call(
      ImCommand.SET_UNREAD_MSG_NUM,
      { GroupId: update.groupId, Member_Account: update.memberAccount, UnreadMsgNum: update.unreadCount },
      hooks,
    );
  }

  /**
   * Types of up to {@link MAX_GROUPS_PER_INFO_CALL} groups. The reply's top-level ErrorCode says nothing
   * about the groups, so each group gets its own type or its own error (10010 for a missing one).
   */
  async getGroupTypes(groupIds: readonly string[]): Promise<Map<string, GroupType | GatewayError>> {
    return this.groupInfo(groupIds, ['Type'], (item) => (isGroupType(item.Type) ? item.Type : undefined));
  }

  /** Types, NextMsgSeq and MemberNum of up to {@link MAX_GROUPS_PER_INFO_CALL} groups; each group its own error, as above. */
  async getGroupInfos(groupIds: readonly string[]): Promise<Map<string, GroupInfo | GatewayError>> {
    return this.groupInfo(groupIds, ['Type', 'NextMsgSeq', 'MemberNum'], (item) =>
      isGroupType(item.Type) && typeof item.NextMsgSeq === 'number'
        ? { type: item.Type, nextMsgSeq: item.NextMsgSeq, ...(typeof item.MemberNum === 'number' ? { memberNum: item.MemberNum } : {}) }
        : undefined,
    );
  }

  /**
   * Each member's MsgSeq (the last message they have read) for up to {@link MAX_ACCOUNTS_PER_MEMBER_INFO_CALL}
   * accounts of one group. Accounts IM leaves out of MemberList are not members: they are absent from the map.
   */
  async getReadMsgSeqs(groupId: string, accounts: readonly string[]): Promise<Map<string, number>> {
    const reply = await this.call(ImCommand.GET_SPECIFIED_GROUP_MEMBER_INFO, { GroupId: groupId, Member_List_Account: accounts, MemberInfoFilter: ['MsgSeq'] });
    const items = Array.isArray(reply.MemberList) ? (reply.MemberList as Array<Record<string, unknown>>) : [];
    const seqs = new Map<string, number>();
    for (const item of items) {
      if (typeof item?.Member_Account === 'string' && typeof item.MsgSeq === 'number') seqs.set(item.Member_Account, item.MsgSeq);
    }
    return seqs;
  }

  private async groupInfo<T>(groupIds: readonly string[], fields: string[], read: (item: Record<string, unknown>) => T | undefined): Promise<Map<string, T | GatewayError>> {
    const reply = await this.call(ImCommand.GET_GROUP_INFO, { GroupIdList: groupIds, ResponseFilter: { GroupBaseInfoFilter: fields } });
    const items = Array.isArray(reply.GroupInfo) ? (reply.GroupInfo as Array<Record<string, unknown>>) : [];
    const byId = new Map<string, T | GatewayError>();
    for (const item of items) {
      if (typeof item?.GroupId !== 'string') continue;
      const errorCode = typeof item.ErrorCode === 'number' ? item.ErrorCode : 0;
      if (errorCode !== 0) byId.set(item.GroupId, fromImReply(errorCode, typeof item.ErrorInfo === 'string' ? item.ErrorInfo : undefined));
      else {
        const value = read(item);
        if (value !== undefined) byId.set(item.GroupId, value);
      }
    }
    for (const groupId of groupIds) {
      if (!byId.has(groupId)) byId.set(groupId, imUnavailable('get_group_info reply left a group out'));
    }
    return byId;
  }

  /** Up to `limit` ({@link MAX_MEMBERS_PER_PAGE_CALL} at most) of a group's members from `start`, with their role and MsgSeq only. */
  async getGroupMemberPage(groupId: string, limit: number, start: MemberPageStart): Promise<MemberPage> {
    const paging = 'next' in start ? { Next: start.next } : { Offset: start.offset };
    const reply = await this.call(ImCommand.GET_GROUP_MEMBER_INFO, { GroupId: groupId, Limit: limit, ...paging, MemberInfoFilter: ['Role', 'MsgSeq'] });
    const items = Array.isArray(reply.MemberList) ? (reply.MemberList as Array<Record<string, unknown>>) : [];
    const members: MemberPage['members'] = [];
    for (const item of items) {
      if (typeof item?.Member_Account !== 'string') continue;
      members.push({ account: item.Member_Account, role: isGroupRole(item.Role) ? item.Role : 'Member', msgSeq: typeof item.MsgSeq === 'number' ? item.MsgSeq : 0 });
    }
    const memberNum = typeof reply.MemberNum === 'number' ? reply.MemberNum : members.length;
    return 'next' in start ? { memberNum, members, next: typeof reply.Next === 'string' ? reply.Next : '' } : { memberNum, members };
  }

  /** Roles of up to {@link MAX_ACCOUNTS_PER_ROLE_CALL} accounts in one group; absent accounts are `NotMember`. */
  async getRolesInGroup(groupId: string, accounts: readonly string[]): Promise<Map<string, GroupRole>> {
    const reply = await this.call(ImCommand.GET_ROLE_IN_GROUP, { GroupId: groupId, User_Account: accounts });
    const items = Array.isArray(reply.UserIdList) ? (reply.UserIdList as Array<Record<string, unknown>>) : [];
    const roles = new Map<string, GroupRole>(accounts.map((account) => [account, 'NotMember']));
    for (const item of items) {
      if (typeof item?.Member_Account === 'string' && isGroupRole(item.Role)) roles.set(item.Member_Account, item.Role);
    }
    return roles;
  }
}
