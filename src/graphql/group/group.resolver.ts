import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import { authorizeMemberAccess } from '../../auth/authorize';
import type { GatewayContext } from '../context';
import { assertValidInput } from '../validation';
import { GroupArgs, GroupMemberArgs } from './group-member.args';
import { Group, GroupMember, GroupRole, GroupType } from './group.type';

@Resolver(() => Group)
export class GroupResolver {
  @Query(() => Group, { description: 'A group by ID; its `type` is read from IM when asked for.' })
  group(@Arg('id', () => ID, { description: 'The IM group ID.' }) id: string): Group {
    assertValidInput(Object.assign(new GroupArgs(), { id }), 'group');
    return { id };
  }

  @FieldResolver(() => GroupType)
  async type(@Root() group: Group, @Ctx() context: GatewayContext): Promise<GroupType> {
    return (await context.upstream.groupTypes.typeOf(group.id)) as GroupType;
  }
}

@Resolver(() => GroupMember)
export class GroupMemberResolver {
  @Query(() => GroupMember, { description: 'An account in a group; its `role` is read from IM when asked for.' })
  groupMember(
    @Arg('groupId', () => ID, { description: 'The IM group ID.' }) groupId: string,
    @Arg('memberAccount', () => ID, { description: 'The IM account.' }) memberAccount: string,
  ): GroupMember {
    assertValidInput(Object.assign(new GroupMemberArgs(), { groupId, memberAccount }), 'groupMember');
    return { groupId, memberAccount };
  }

  @FieldResolver(() => GroupRole)
  async role(@Root() member: GroupMember, @Ctx() context: GatewayContext): Promise<GroupRole> {
    const caller = await context.authenticate();
    const roleOf = (ref: GroupMember) => context.loaders.role.load({ groupId: ref.groupId, memberAccount: ref.memberAccount });
    const policy = { adminAccounts: context.config.auth.adminAccounts, allowSelf: true, action: 'read the role of' };
    // The caller's own role and the member's are batched into one get_role_in_group.
    const [, role] = await Promise.all([authorizeMemberAccess(caller, member, policy, roleOf), roleOf(member)]);
    return role as GroupRole;
  }

  @FieldResolver(() => Group)
  group(@Root() member: GroupMember): Group {
    return { id: member.groupId };
  }
}
