import DataLoader from 'dataloader';
import { MAX_ACCOUNTS_PER_ROLE_CALL, MAX_GROUPS_PER_INFO_CALL, type ImApi, type ImGroupRole, type ImGroupType } from '../../im/im-api';

export interface MemberKey {
  groupId: string;
  memberAccount: string;
}

/** Per-request read loaders: one get_group_info per 50 groups, one get_role_in_group per group and 500 accounts. */
export interface GroupLoaders {
  groupType: DataLoader<string, ImGroupType>;
  role: DataLoader<MemberKey, ImGroupRole, string>;
}

export function createGroupLoaders(api: ImApi): GroupLoaders {
  return {
    groupType: new DataLoader<string, ImGroupType>(
      async (groupIds) => {
        const types = await api.getGroupTypes(groupIds);
        // getGroupTypes answers every ID: a type, or that group's own error.
        return groupIds.map((groupId) => types.get(groupId)!);
      },
      { maxBatchSize: MAX_GROUPS_PER_INFO_CALL },
    ),
    role: new DataLoader<MemberKey, ImGroupRole, string>(
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
