/** Group types as IM's REST API names them (ChatRoom is the console's "Meeting", Private its "Work"). */
export const GROUP_TYPES = ['Private', 'Public', 'ChatRoom', 'AVChatRoom', 'Community'] as const;
export type GroupType = (typeof GROUP_TYPES)[number];

/** The group types in which set_unread_msg_num does something; on the others IM answers OK and changes nothing. */
export const UNREAD_COUNT_GROUP_TYPES: ReadonlySet<GroupType> = new Set(['Private', 'Public', 'Community']);

/** Roles as get_role_in_group answers them. */
export const GROUP_ROLES = ['Owner', 'Admin', 'Member', 'NotMember'] as const;
export type GroupRole = (typeof GROUP_ROLES)[number];

/** Roles whose holders may act on any member of their group. */
export const GROUP_MANAGER_ROLES: ReadonlySet<GroupRole> = new Set(['Owner', 'Admin']);

export function isGroupType(value: unknown): value is GroupType {
  return GROUP_TYPES.includes(value as GroupType);
}

export function isGroupRole(value: unknown): value is GroupRole {
  return GROUP_ROLES.includes(value as GroupRole);
}
