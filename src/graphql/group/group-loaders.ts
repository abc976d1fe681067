import DataLoader from 'dataloader';
import { MAX_ACCOUNTS_PER_ROLE_CALL, type GroupMemberRef, type ImApi, type ImGroupRole } from '../../im/im-api';

/**
 * Per-request read loaders: one get_role_in_group per group and 500 accounts. Roles can change, so they
 * are never kept beyond the request; group types never change and live in the process-wide GroupTypeCache.
 */
export interface GroupLoaders {
  role: DataLoader<GroupMemberRef, ImGroupRole, string>;
}

export function createGroupLoaders(api: ImApi): GroupLoaders {
  return {
    role: new DataLoader<GroupMemberRef, ImGroupRole, string>(
      async (keys) => {
        const accountsByGroup = new Map<string, string[]>();
        for (const { groupId, memberAccount } of keys) {
          const accounts = accountsByGroup.get(groupId) ?? [];
          if (!accounts.includes(memberAccount)) accounts.push(memberAccount);
          accountsByGroup.set(groupId, accounts);
        }
        const rolesByGroup = new Map<string, Promise<Map<string, ImGroupRole>>>();
        for (const [groupId, accounts] of accountsByGroup) {
          const chunks: Array<Promise<Map<string, ImGroupRole>>> = [];
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
      { cacheKeyFn: ({ groupId, memberAccount }) => `${groupId}\n${memberAccount}` },
    ),
  };
}
