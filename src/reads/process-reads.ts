import type { GroupRole } from '../domain/group';
import type { GroupMemberRef } from '../domain/member';
import { unreadCountOf, type HeldCount } from '../domain/unread';
import { MAX_ACCOUNTS_PER_MEMBER_INFO_CALL, MAX_ACCOUNTS_PER_ROLE_CALL, MAX_GROUPS_PER_INFO_CALL, type GroupInfo, type ImApi } from '../tencent/commands';
import { ReadBatcher } from './read-batcher';

/**
 * The process-wide read batchers, one per IM read command, shared by every request (and the write path's
 * role checks): reads of one group made by concurrent requests share IM calls up to IM's batch sizes.
 */
export interface ProcessReads {
  /** get_role_in_group: one call per group and 500 accounts; absent accounts are `NotMember`. */
  role: ReadBatcher<GroupMemberRef, GroupRole>;
  /** get_group_info with NextMsgSeq: one call per 50 groups; each group its own answer or error. */
  groupInfo: ReadBatcher<string, GroupInfo>;
  /** get_specified_group_member_info: one call per group and 50 accounts; null when not a member. */
  readMsgSeq: ReadBatcher<GroupMemberRef, number | null>;
}

/** `windowMs`: IM_READ_BATCH_WINDOW_MS. */
export function createProcessReads(api: ImApi, windowMs: number): ProcessReads {
  const byGroup = { partition: (ref: GroupMemberRef) => ref.groupId, keyId: (ref: GroupMemberRef) => ref.memberAccount, windowMs };
  return {
    role: new ReadBatcher({ ...byGroup, maxBatchSize: MAX_ACCOUNTS_PER_ROLE_CALL, fetch: (groupId, refs) => api.getRolesInGroup(groupId, accountsOf(refs)) }),
    readMsgSeq: new ReadBatcher({
      ...byGroup,
      maxBatchSize: MAX_ACCOUNTS_PER_MEMBER_INFO_CALL,
      fetch: async (groupId, refs) => {
        const accounts = accountsOf(refs);
        const seqs = await api.getReadMsgSeqs(groupId, accounts);
        return new Map(accounts.map((account) => [account, seqs.get(account) ?? null]));
      },
    }),
    groupInfo: new ReadBatcher<string, GroupInfo>({
      partition: () => '',
      keyId: (groupId: string) => groupId,
      windowMs,
      maxBatchSize: MAX_GROUPS_PER_INFO_CALL,
      fetch: (_all, groupIds) => api.getGroupInfos(groupIds),
    }),
  };
}

/** What IM holds for the member now, through the batchers (null: not a member); throws the group's own error. */
export async function readHeldCount(reads: ProcessReads, member: GroupMemberRef): Promise<HeldCount | null> {
  const [{ nextMsgSeq }, readMsgSeq] = await Promise.all([reads.groupInfo.load(member.groupId), reads.readMsgSeq.load(member)]);
  return readMsgSeq === null ? null : { unreadCount: unreadCountOf(nextMsgSeq, readMsgSeq), messages: nextMsgSeq - 1 };
}

function accountsOf(refs: readonly GroupMemberRef[]): string[] {
  return refs.map((ref) => ref.memberAccount);
}
