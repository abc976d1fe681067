import type { UnreadCountUpdate } from '../domain/member';
import { hasLanded } from '../domain/unread';
import type { GroupTypeCache } from '../groups/group-type-cache';
import { readHeldCount, type ProcessReads } from '../reads/process-reads';
import { fromImReply } from '../tencent/error-table';

/** IM's code for "the account is not a member of the group", the refusal a set call for a non-member gets. */
const NOT_A_MEMBER_IM_ERROR = 10007;

/** What IM holds for a row's member, as far as the row is concerned. */
type RowState = 'matching' | 'differs';

/**
 * Compares a row with what IM holds before writing it. Throws the error a set call would get for a row IM
 * would refuse (GROUP_NOT_FOUND, UNSUPPORTED_GROUP_TYPE, FORBIDDEN for a non-member), so such rows cost no
 * set call and carry the codes a real write gives.
 */
export type RowCheck = (update: UnreadCountUpdate) => Promise<RowState>;

/**
 * The check the import uses: the group's type (cached: a type never changes), then the group's NextMsgSeq and
 * the member's MsgSeq through the process-wide read batchers — 50 members a call, on the read commands' own
 * budgets, beside the writes.
 */
export function imRowCheck(groupTypes: GroupTypeCache, reads: ProcessReads): RowCheck {
  return async (update) => {
    await groupTypes.assertUnreadCountSupported(update.groupId);
    const held = await readHeldCount(reads, update);
    if (held === null) throw fromImReply(NOT_A_MEMBER_IM_ERROR, 'member is not in the group (read before writing)');
    return hasLanded(update.unreadCount, held) ? 'matching' : 'differs';
  };
}
