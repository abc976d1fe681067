import { GraphQLError } from 'graphql';
import type { Config } from '../config';
import { GatewayErrorCode } from '../im/error-codes';
import type { ImGroupRole } from '../im/im-api';
import type { Caller } from './caller';

/** Roles whose holders may set any member's count in their group. */
const GROUP_MANAGER_ROLES: ReadonlySet<ImGroupRole> = new Set(['Owner', 'Admin']);

export interface MemberRef {
  groupId: string;
  memberAccount: string;
}

/**
 * Who may set whose unread count, checked before the update joins the coalescer:
 * app admins anyone's; the group's Owner or Admin any member's; a member their own (ALLOW_SELF_UPDATE).
 * The caller's role is asked of IM only when neither of the first two answers it.
 */
export async function authorizeUpdate(
  caller: Caller,
  target: MemberRef,
  policy: Pick<Config['auth'], 'adminAccounts' | 'allowSelfUpdate'>,
  roleOf: (member: MemberRef) => Promise<ImGroupRole>,
): Promise<void> {
  if (policy.adminAccounts.has(caller.account)) return;
  if (policy.allowSelfUpdate && caller.account === target.memberAccount) return;
  const role = await roleOf({ groupId: target.groupId, memberAccount: caller.account });
  if (GROUP_MANAGER_ROLES.has(role)) return;
  throw new GraphQLError(
    `${JSON.stringify(caller.account)} may not set the unread count of ${JSON.stringify(target.memberAccount)} in this group: ` +
      `only app admins, the group's Owner and Admins${policy.allowSelfUpdate ? ', and the member themself' : ''} may`,
    { extensions: { code: GatewayErrorCode.FORBIDDEN, retryable: false } },
  );
}
