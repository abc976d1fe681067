import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import { assertMemberListReadable, readMemberUnread, type MemberUnread } from '../../reads/member-unread';
import { authorizeMemberAccess } from '../../auth/policy';
import { accountProblem, groupIdProblem, type FieldProblem } from '../../domain/ids';
import { memberKey } from '../../domain/member';
import { badUserInput } from '../../errors';
import type { GatewayContext } from '../context';
import { Group, GroupMember, GroupMemberConnection, GroupRole, GroupType } from './group.type';
import { DEFAULT_MEMBERS_PAGE_SIZE, MAX_MEMBERS_PAGE_SIZE, readMemberPage, type ListedMember } from '../../reads/group-members';
import { unreadCountOf } from '../../domain/unread';

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

  @FieldResolver(() => GroupMemberConnection, {
    description:
      `The group's members, a page at a time (get_group_member_info: one IM call per page, by Offset, or by IM's Next token in Community groups), with each member's role, readMsgSeq and unreadCount from that call — "who in this group has unread messages". For app admins and the group's Owner and Admins; others get FORBIDDEN. UNSUPPORTED_GROUP_TYPE in AVChatRoom groups. Counts \`first\` against MAX_QUERY_COMPLEXITY.`,
  })
  async members(
    @Root() group: Group,
    @Ctx() context: GatewayContext,
    @Arg('first', () => Int, { defaultValue: DEFAULT_MEMBERS_PAGE_SIZE, description: `How many members: 1 to ${MAX_MEMBERS_PAGE_SIZE}.` }) first: number,
    @Arg('after', () => String, { nullable: true, description: 'A cursor from an earlier page: the members after it.' }) after?: string | null,
  ): Promise<GroupMemberConnection> {
    const caller = await context.authenticate();
    const { core, config, loaders } = context;
    const page = await readMemberPage(group.id, { first, after }, caller, { api: core.api, adminAccounts: config.auth.adminAccounts, loaders, groupTypes: core.groupTypes });
    const edges = page.members.map((listed) => ({ cursor: listed.cursor, node: { groupId: group.id, memberAccount: listed.account, listed } }));
    return { edges, totalCount: page.totalCount, pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null } };
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
    if (member.listed !== undefined) return member.listed.role; // the page's rights cover its members
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
  if (member.listed !== undefined) return listedUnread(member.listed, member.groupId, context);
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

/** A listed member's count: its read position came with the page; the group's NextMsgSeq is read once per request. */
async function listedUnread({ readMsgSeq }: ListedMember, groupId: string, context: GatewayContext): Promise<MemberUnread> {
  const { nextMsgSeq } = await context.loaders.groupInfo.load(groupId);
  return { readMsgSeq, unreadCount: unreadCountOf(nextMsgSeq, readMsgSeq) };
}

function refuse(problem: FieldProblem): void {
  if (problem !== undefined) throw badUserInput(problem.field, problem.message);
}
