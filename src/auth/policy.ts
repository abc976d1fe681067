import { GROUP_MANAGER_ROLES, type GroupRole } from '../domain/group';
import type { GroupMemberRef } from '../domain/member';
import { forbidden } from '../errors';
import type { Caller } from './caller';

export interface MemberAccessPolicy {
  /** App admin accounts (IM_ADMIN_IDENTIFIER plus ADMIN_ACCOUNTS). */
  adminAccounts: ReadonlySet<string>;
  /** Whether the member themself passes (ALLOW_SELF_UPDATE for writes; always for reading one's own role). */
  allowSelf: boolean;
  /**
   * The member themself passes only while IM lists them in the group (writes: a non-member's "own" count
   * would cost a set call only for IM to answer 10007).
   */
  selfMustBeMember?: boolean;
  /** For the refusal's message, e.g. "set the unread count of". */
  action: string;
}

/**
 * Who may act on a group member — set their unread count (checked before the update joins the coalescer)
 * or read their role: app admins anyone; the group's Owner or Admin any member; a member themself when the
 * policy allows. The caller's own role is asked of IM only when neither of the first two answers it.
 */
export async function authorizeMemberAccess(
  caller: Caller,
  target: GroupMemberRef,
  policy: MemberAccessPolicy,
  roleOf: (member: GroupMemberRef) => Promise<GroupRole>,
): Promise<void> {
  if (policy.adminAccounts.has(caller.account)) return;
  const self = policy.allowSelf && caller.account === target.memberAccount;
  if (self && policy.selfMustBeMember !== true) return;
  const role = await roleOf({ groupId: target.groupId, memberAccount: caller.account });
  if (GROUP_MANAGER_ROLES.has(role)) return;
  if (self && role !== 'NotMember') return;
  if (self) throw forbidden(`${JSON.stringify(caller.account)} is not a member of this group`);
  throw forbidden(
    `${JSON.stringify(caller.account)} may not ${policy.action} ${JSON.stringify(target.memberAccount)} in this group: ` +
      `only app admins, the group's Owner and Admins${policy.allowSelf ? ', and the member themself' : ''} may`,
  );
}

/**
 * Who may read a whole group's members (Group.members): app admins, and the group's Owner or Admins — the
 * callers who may read each member shown. Anyone else: FORBIDDEN.
 */
export async function authorizeGroupManager(
  caller: Caller,
  groupId: string,
  adminAccounts: ReadonlySet<string>,
  roleOf: (member: GroupMemberRef) => Promise<GroupRole>,
): Promise<void> {
  if (adminAccounts.has(caller.account)) return;
  if (GROUP_MANAGER_ROLES.has(await roleOf({ groupId, memberAccount: caller.account }))) return;
  throw forbidden(`${JSON.stringify(caller.account)} may not list the members of this group: only app admins and the group's Owner and Admins may`);
}
