/**
 * A member's unread count as IM keeps it, derived (Tencent has no "get unread count" for groups, and does
 * not document this formula as such): the group's NextMsgSeq is the sequence number its next message will
 * get, the member's MsgSeq the last one they have read, so `max(0, NextMsgSeq − 1 − MsgSeq)` are unread.
 * Setting N moves MsgSeq to `NextMsgSeq − 1 − min(N, message count)`, which is IM's documented clamping.
 */
export function unreadCountOf(nextMsgSeq: number, readMsgSeq: number): number {
  return Math.max(0, nextMsgSeq - 1 - readMsgSeq);
}

/** What IM holds for a member: its unread count, and the group's message count (NextMsgSeq − 1; IM clamps to it). */
export interface HeldCount {
  unreadCount: number;
  messages: number;
}

/**
 * The diff rule (the import's, and the late-write repair's): `wanted` has landed when IM's count equals it
 * after IM's clamping — a value above the group's message count lands as that count.
 */
export function hasLanded(wanted: number, held: HeldCount): boolean {
  return held.unreadCount === Math.min(wanted, held.messages);
}
