import { ImCommand, type ImCall } from './client';
import type { UnreadCountUpdate } from './coalescer';
import { ImError } from './im-error';

/** IM answers at most this many groups per get_group_info call. */
export const MAX_GROUPS_PER_INFO_CALL = 50;
/** IM answers at most this many accounts per get_role_in_group call. */
export const MAX_ACCOUNTS_PER_ROLE_CALL = 500;

/** One account in one group: how every member-level IM command names its target. */
export interface GroupMemberRef {
  groupId: string;
  memberAccount: string;
}

/** Group types as IM's REST API names them (ChatRoom is the console's "Meeting", Private its "Work"). */
export const IM_GROUP_TYPES = ['Private', 'Public', 'ChatRoom', 'AVChatRoom', 'Community'] as const;
export type ImGroupType = (typeof IM_GROUP_TYPES)[number];

/** Roles as get_role_in_group answers them. */
export const IM_GROUP_ROLES = ['Owner', 'Admin', 'Member', 'NotMember'] as const;
export type ImGroupRole = (typeof IM_GROUP_ROLES)[number];

/**
 * Typed IM commands over any {@link ImCall} stack: it builds the exact bodies IM documents and reads
 * only the reply fields it needs, so fields Tencent adds later change nothing.
 */
export class ImApi {
  constructor(private readonly call: ImCall) {}

  async setUnreadMsgNum(update: UnreadCountUpdate): Promise<void> {
    await this.call(ImCommand.SET_UNREAD_MSG_NUM, {
      GroupId: update.groupId,
      Member_Account: update.memberAccount,
      UnreadMsgNum: update.unreadCount,
    });
  }

  /**
   * Types of up to {@link MAX_GROUPS_PER_INFO_CALL} groups. The reply's top-level ErrorCode says nothing
   * about the groups, so each group gets its own type or its own {@link ImError} (10010 for a missing one).
   */
  async getGroupTypes(groupIds: readonly string[]): Promise<Map<string, ImGroupType | ImError>> {
    const reply = await this.call(ImCommand.GET_GROUP_INFO, {
      GroupIdList: groupIds,
      ResponseFilter: { GroupBaseInfoFilter: ['Type'] },
    });
    const items = Array.isArray(reply.GroupInfo) ? (reply.GroupInfo as Array<Record<string, unknown>>) : [];
    const byId = new Map<string, ImGroupType | ImError>();
    for (const item of items) {
      if (typeof item?.GroupId !== 'string') continue;
      const errorCode = typeof item.ErrorCode === 'number' ? item.ErrorCode : 0;
      if (errorCode !== 0) {
        byId.set(item.GroupId, ImError.fromImReply(errorCode, typeof item.ErrorInfo === 'string' ? item.ErrorInfo : undefined));
      } else if (IM_GROUP_TYPES.includes(item.Type as ImGroupType)) {
        byId.set(item.GroupId, item.Type as ImGroupType);
      }
    }
    for (const groupId of groupIds) {
      if (!byId.has(groupId)) byId.set(groupId, ImError.unavailable('get_group_info reply left a group out'));
    }
    return byId;
  }

  /** Roles of up to {@link MAX_ACCOUNTS_PER_ROLE_CALL} accounts in one group; absent accounts are `NotMember`. */
  async getRolesInGroup(groupId: string, accounts: readonly string[]): Promise<Map<string, ImGroupRole>> {
    const reply = await this.call(ImCommand.GET_ROLE_IN_GROUP, { GroupId: groupId, User_Account: accounts });
    const items = Array.isArray(reply.UserIdList) ? (reply.UserIdList as Array<Record<string, unknown>>) : [];
    const roles = new Map<string, ImGroupRole>(accounts.map((account) => [account, 'NotMember']));
    for (const item of items) {
      if (typeof item?.Member_Account === 'string' && IM_GROUP_ROLES.includes(item.Role as ImGroupRole)) {
        roles.set(item.Member_Account, item.Role as ImGroupRole);
      }
    }
    return roles;
  }
}
