import type { Caller } from '../auth/caller';
import { authorizeMemberAccess } from '../auth/policy';
import type { GroupRole } from '../domain/group';
import { updateProblem, type RawUpdate } from '../domain/ids';
import type { GroupMemberRef, UnreadCountOutcome, UnreadCountUpdate } from '../domain/member';
import { badUserInput } from '../errors';
import type { GroupTypeCache } from '../groups/group-type-cache';
import type { AccountRate } from './account-rate';
import type { UnreadCountCoalescer } from './coalescer';

export interface SetUnreadCountOptions {
  /** Look the group's type up first (CHECK_GROUP_TYPE): ChatRoom and AVChatRoom would silently ignore the set. */
  checkGroupType: boolean;
  /** App admin accounts: may set anyone's count. */
  adminAccounts: ReadonlySet<string>;
  /** A member may set their own count (ALLOW_SELF_UPDATE). */
  allowSelfUpdate: boolean;
}

/** Who asks, and how to look roles up for this request (batched per request by the caller of the use case). */
export interface WriteRequest {
  caller: Caller;
  roleOf: (member: GroupMemberRef) => Promise<GroupRole>;
}

/** The checked update, or a BAD_USER_INPUT naming the first bad field under `path` (`input`, `inputs[3]`, `row`). */
export function validUpdate(raw: RawUpdate, path: string): UnreadCountUpdate {
  const problem = updateProblem(raw, path);
  if (problem !== undefined) throw badUserInput(problem.field, problem.message);
  return { groupId: raw.groupId as string, memberAccount: raw.memberAccount as string, unreadCount: raw.unreadCount as number };
}

/**
 * The write use case, the same for the single and batch mutations and the bulk import: valid input → the
 * caller account's fair share → the group's type (no silent no-ops) → the caller's right over this member → the coalescer (which merges,
 * orders and sends through the outbound pipeline). Every refusal before the coalescer costs no set call.
 */
export class SetUnreadCount {
  constructor(
    private readonly options: SetUnreadCountOptions,
    private readonly groupTypes: GroupTypeCache,
    private readonly coalescer: UnreadCountCoalescer,
    private readonly accountRate: AccountRate,
  ) {}

  async run(raw: RawUpdate, path: string, request: WriteRequest): Promise<UnreadCountOutcome> {
    const update = validUpdate(raw, path);
    // The caller's own share first: a flood is refused before it costs any IM call, lookups included.
    if (!this.options.adminAccounts.has(request.caller.account)) await this.accountRate.admit(request.caller.account);
    if (this.options.checkGroupType) await this.groupTypes.assertUnreadCountSupported(update.groupId);
    const { adminAccounts, allowSelfUpdate } = this.options;
    await authorizeMemberAccess(request.caller, update, { adminAccounts, allowSelf: allowSelfUpdate, selfMustBeMember: true, action: 'set the unread count of' }, request.roleOf);
    return this.coalescer.submit(update);
  }
}
