import DataLoader from 'dataloader';
import type { GroupRole } from '../domain/group';
import { memberKey, type GroupMemberRef } from '../domain/member';
import { MAX_ACCOUNTS_PER_ROLE_CALL, type ImApi } from '../tencent/commands';

/**
 * A per-request role loader: one get_role_in_group per group and 500 accounts. Roles can change, so they are
 * never kept beyond the request; group types never change and live in the process-wide GroupTypeCache.
 */
export function createRoleLoader(api: ImApi): DataLoader<GroupMemberRef, GroupRole, string> {
  return new DataLoader<GroupMemberRef, GroupRole, string>(
    async (keys) => {
      const accountsByGroup = new Map<string, Set<string>>();
      for (const { groupId, memberAccount } of keys) {
        const accounts = accountsByGroup.get(groupId) ?? new Set<string>();
        accounts.add(memberAccount);
        accountsByGroup.set(groupId, accounts);
      }
      const rolesByGroup = new Map<string, Promise<Map<string, GroupRole>>>();
      for (const [groupId, accountSet] of accountsByGroup) {
        const accounts = [...accountSet];
        const chunks: Array<Promise<Map<string, GroupRole>>> = [];
        for (let start = 0; start < accounts.length; start += MAX_ACCOUNTS_PER_ROLE_CALL) {
          chunks.push(api.getRolesInGroup(groupId, accounts.slice(start, start + MAX_ACCOUNTS_PER_ROLE_CALL)));
        }
        rolesByGroup.set(groupId, Promise.all(chunks).then((maps) => new Map(maps.flatMap((map) => [...map]))));
      }
      return Promise.all(
        keys.map(({ groupId, memberAccount }) =>
          rolesByGroup.get(groupId)!.then(
            (roles) => roles.get(memberAccount) ?? 'NotMember',
            (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
          ),
        ),
      );
    },
    { cacheKeyFn: memberKey },
  );
}
