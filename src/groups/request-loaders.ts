import DataLoader from 'dataloader';
import type { GroupRole } from '../domain/group';
import { memberKey, type GroupMemberRef } from '../domain/member';
import { operationLimitExceeded } from '../errors';
import { MAX_ACCOUNTS_PER_MEMBER_INFO_CALL, MAX_ACCOUNTS_PER_ROLE_CALL, MAX_GROUPS_PER_INFO_CALL, type GroupInfo, type ImApi } from '../tencent/commands';

/**
 * Per-request read loaders. What they read changes (roles, messages, what members have read), so nothing is
 * kept beyond the request; group types never change and live in the process-wide GroupTypeCache.
 */
export interface RequestLoaders {
  /** get_role_in_group: one call per group and 500 accounts. */
  role: DataLoader<GroupMemberRef, GroupRole, string>;
  /** get_group_info with NextMsgSeq: one call per 50 groups, never cached beyond the request. */
  groupInfo: DataLoader<string, GroupInfo>;
  /** get_specified_group_member_info: one call per group and 50 accounts; null when not a member. */
  readMsgSeq: DataLoader<GroupMemberRef, number | null, string>;
}

/**
 * The loaders of one request. `maxGroups` bounds the distinct groups its reads may touch (MAX_GROUPS_PER_REQUEST):
 * past it, a read fails with OPERATION_LIMIT_EXCEEDED instead of costing IM calls, so one request cannot fan out
 * into hundreds of reads.
 */
export function createRequestLoaders(api: ImApi, maxGroups: number): RequestLoaders {
  const touched = new Set<string>();
  const admitted = (groupId: string): boolean => {
    if (touched.has(groupId)) return true;
    if (touched.size >= maxGroups) return false;
    touched.add(groupId);
    return true;
  };
  const refusal = () => operationLimitExceeded('groupsPerRequest', maxGroups, touched.size + 1, 'MAX_GROUPS_PER_REQUEST');
  return {
    role: perGroup(MAX_ACCOUNTS_PER_ROLE_CALL, (groupId, accounts) => api.getRolesInGroup(groupId, accounts), (found) => found ?? 'NotMember', admitted, refusal),
    groupInfo: new DataLoader<string, GroupInfo>(
      async (groupIds) => {
        const allowed = groupIds.filter(admitted);
        const infos = allowed.length === 0 ? new Map<string, GroupInfo | Error>() : await api.getGroupInfos(allowed);
        return groupIds.map((groupId) => infos.get(groupId) ?? refusal()); // a GroupInfo, that group's own error, or the bound
      },
      { maxBatchSize: MAX_GROUPS_PER_INFO_CALL },
    ),
    readMsgSeq: perGroup(MAX_ACCOUNTS_PER_MEMBER_INFO_CALL, (groupId, accounts) => api.getReadMsgSeqs(groupId, accounts), (found) => found ?? null, admitted, refusal),
  };
}

/** A member-level loader that asks IM once per group and `chunk` accounts, and answers each member from that. */
function perGroup<V, R>(
  chunk: number,
  fetch: (groupId: string, accounts: string[]) => Promise<Map<string, V>>,
  answer: (found: V | undefined) => R,
  admitted: (groupId: string) => boolean,
  refusal: () => Error,
): DataLoader<GroupMemberRef, R, string> {
  return new DataLoader<GroupMemberRef, R, string>(
    async (keys) => {
      const accountsByGroup = new Map<string, Set<string>>();
      for (const { groupId, memberAccount } of keys) {
        const accounts = accountsByGroup.get(groupId) ?? new Set<string>();
        accounts.add(memberAccount);
        accountsByGroup.set(groupId, accounts);
      }
      const byGroup = new Map<string, Promise<Map<string, V>>>();
      for (const [groupId, accountSet] of accountsByGroup) {
        if (!admitted(groupId)) {
          byGroup.set(groupId, Promise.reject(refusal()));
          continue;
        }
        const accounts = [...accountSet];
        const calls: Array<Promise<Map<string, V>>> = [];
        for (let start = 0; start < accounts.length; start += chunk) calls.push(fetch(groupId, accounts.slice(start, start + chunk)));
        byGroup.set(groupId, Promise.all(calls).then((maps) => new Map(maps.flatMap((map) => [...map]))));
      }
      return Promise.all(
        keys.map(({ groupId, memberAccount }) =>
          byGroup.get(groupId)!.then(
            (found) => answer(found.get(memberAccount)),
            (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
          ),
        ),
      );
    },
    { cacheKeyFn: memberKey },
  );
}
