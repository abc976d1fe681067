import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import { assertMemberListReadable, readMemberUnread, type MemberUnread } from '../../reads/member-unread';
import { authorizeMemberAccess } from '../../auth/policy';
import { accountProblem, groupIdProblem, type FieldProblem } from '../../domain/ids';
import { memberKey } from '../../domain/member';
import { badUserInput } from '../../errors';
import type { GatewayContext } from '../context';
import { Group, GroupMember, GroupRole, GroupType } from './group.type';

@Resolver(() => Group)
export class GroupResolver {
  @Query(() => Group, { description: 'A group by ID; its `type` is read from IM when asked for.' })
  group(@Arg('id', () => ID, { description: 'The IM group ID.' }) id: string): Group {
    refuse(groupIdProblem(id, 'group.id'));
    return { id };
  }

  @FieldResolver(() => GroupType)
  async type(@Root() group: Group, @Ctx() context: GatewayContext): Promise<GroupType> {
    return context.core.groupTypes.typeOf(group.id);
  }

  @FieldResolver(() => Int, {
    description:
      "IM's NextMsgSeq (get_group_info): the sequence number the group's next message will get. Read on each request, never cached: messages arrive all the time.",
  })
  async nextMsgSeq(@Root() group: Group, @Ctx() context: GatewayContext): Promise<number> {
    return (await context.loaders.groupInfo.load(group.id)).nextMsgSeq;
  }
}

@Resolver(() => GroupMember)
export class GroupMemberResolver {
  @Query(() => GroupMember, { description: 'An account in a group; its `role` is read from IM when asked for.' })
  groupMember(
    @Arg('groupId', () => ID, { description: 'The IM group ID.' }) groupId: string,
    @Arg('memberAccount', () => ID, { description: 'The IM account.' }) memberAccount: string,
  ): GroupMember {
    refuse(groupIdProblem(groupId, 'groupMember.groupId') ?? accountProblem(memberAccount, 'groupMember.memberAccount'));
    return { groupId, memberAccount };
  }

  @FieldResolver(() => GroupRole)
  async role(@Root() member: GroupMember, @Ctx() context: GatewayContext): Promise<GroupRole> {
    const caller = await context.authenticate();
    assertMemberListReadable(await context.core.groupTypes.typeOf(member.groupId));
    const roleOf = (ref: GroupMember) => context.loaders.role.load({ groupId: ref.groupId, memberAccount: ref.memberAccount });
    const policy = { adminAccounts: context.config.auth.adminAccounts, allowSelf: true, action: 'read the role of' };
    // The caller's own role and the member's are batched into one get_role_in_group.
    const [, role] = await Promise.all([authorizeMemberAccess(caller, member, policy, roleOf), roleOf(member)]);
    return role;
  }

  @FieldResolver(() => Int, {
    nullable: true,
    description:
      "Unread messages: max(0, group.nextMsgSeq − 1 − readMsgSeq), read from IM on each request (derived from IM's own numbers; Tencent has no \"get unread count\" for groups). Null when the account is not a member. Readable by app admins, the group's Owner and Admins, and the member themself; UNSUPPORTED_GROUP_TYPE in AVChatRoom groups (no member list).",
  })
  async unreadCount(@Root() member: GroupMember, @Ctx() context: GatewayContext): Promise<number | null> {
    return (await unreadOf(member, context))?.unreadCount ?? null;
  }

  @FieldResolver(() => Int, {
    nullable: true,
    description:
      "IM's MsgSeq for this member (get_specified_group_member_info): the sequence number of the last message they have read. Null when not a member. Same rights as `unreadCount`.",
  })
  async readMsgSeq(@Root() member: GroupMember, @Ctx() context: GatewayContext): Promise<number | null> {
    return (await unreadOf(member, context))?.readMsgSeq ?? null;
  }

  @FieldResolver(() => Group)
  group(@Root() member: GroupMember): Group {
    return { id: member.groupId };
  }
}

/** One read per member and request, whether `unreadCount`, `readMsgSeq` or both are selected. */
const readsOfRequest = new WeakMap<GatewayContext['loaders'], Map<string, Promise<MemberUnread | null>>>();

function unreadOf(member: GroupMember, context: GatewayContext): Promise<MemberUnread | null> {
  let reads = readsOfRequest.get(context.loaders);
  if (reads === undefined) readsOfRequest.set(context.loaders, (reads = new Map<string, Promise<MemberUnread | null>>()));
  const key = memberKey(member);
  let read = reads.get(key);
  if (read === undefined) {
    read = context.authenticate().then((caller) => readMemberUnread(member, caller, context.config.auth.adminAccounts, context.loaders, context.core.groupTypes));
    reads.set(key, read);
  }
  return read;
}

function refuse(problem: FieldProblem): void {
  if (problem !== undefined) throw badUserInput(problem.field, problem.message);
}
