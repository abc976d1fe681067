import type { Caller } from '../auth/caller';
import { authorizeMemberAccess } from '../auth/policy';
import { unreadCountOf } from '../domain/unread';
import type { GroupMemberRef } from '../domain/member';
import type { GroupType } from '../domain/group';
import { unsupportedGroupType } from '../errors';
import type { GroupTypeCache } from '../groups/group-type-cache';
import type { RequestLoaders } from '../groups/request-loaders';

/** What IM holds for one member now: both raw numbers and the derived count; null when not a member. */
export interface MemberUnread {
  readMsgSeq: number;
  unreadCount: number;
}

/**
 * Reads a member's unread count back: the group's type (AVChatRoom has no member list: UNSUPPORTED_GROUP_TYPE,
 * whoever asks) → the caller's right (app admins, the group's Owner/Admins, the member themself) → the group's
 * NextMsgSeq and the member's MsgSeq, batched across requests, never cached. An unknown group fails with its
 * own GROUP_NOT_FOUND.
 */
export async function readMemberUnread(
  member: GroupMemberRef,
  caller: Caller,
  adminAccounts: ReadonlySet<string>,
  loaders: RequestLoaders,
  groupTypes: GroupTypeCache,
): Promise<MemberUnread | null> {
  // A known type saves a round trip; otherwise the group's info (needed anyway) tells it, and is remembered.
  const knownType = groupTypes.peek(member.groupId);
  const info = knownType === undefined ? await loaders.groupInfo.load(member.groupId) : undefined;
  const type = knownType ?? info!.type;
  if (info !== undefined) groupTypes.remember(member.groupId, info.type);
  assertMemberListReadable(type);
  await authorizeMemberAccess(caller, member, { adminAccounts, allowSelf: true, action: 'read the unread count of' }, (ref) => loaders.role.load(ref));
  const [{ nextMsgSeq }, readMsgSeq] = await Promise.all([info ?? loaders.groupInfo.load(member.groupId), loaders.readMsgSeq.load(member)]);
  return readMsgSeq === null ? null : { readMsgSeq, unreadCount: unreadCountOf(nextMsgSeq, readMsgSeq) };
}

/** AVChatRoom groups have no member list: every member read there answers UNSUPPORTED_GROUP_TYPE, saying so. */
export function assertMemberListReadable(type: GroupType): void {
  if (type === 'AVChatRoom') throw unsupportedGroupType(type, 'read');
}
