/** One account in one group: how every member-level IM command names its target. */
export interface GroupMemberRef {
  groupId: string;
  memberAccount: string;
}

/** One requested write: set this member's unread count in this group. */
export interface UnreadCountUpdate extends GroupMemberRef {
  unreadCount: number;
  /** Arrival order across replicas (shared state), stamped on arrival; later stamps win. */
  order?: number;
}

/** What a caller learns once its update is settled. */
export interface UnreadCountOutcome {
  /** The value sent to IM for this member: the caller's own, or a later caller's that superseded it. */
  unreadCount: number;
  /** True when the IM call was shared with other updates. */
  coalesced: boolean;
}

/** The one key of a member in maps and caches. Group IDs are printable ASCII, so a newline cannot occur in one. */
export function memberKey({ groupId, memberAccount }: GroupMemberRef): string {
  return `${groupId}\n${memberAccount}`;
}
