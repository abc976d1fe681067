import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import { authorizeMemberAccess } from '../../auth/policy';
import { accountProblem, groupIdProblem, type FieldProblem } from '../../domain/ids';
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
    const roleOf = (ref: GroupMember) => context.roles.load({ groupId: ref.groupId, memberAccount: ref.memberAccount });
    const policy = { adminAccounts: context.config.auth.adminAccounts, allowSelf: true, action: 'read the role of' };
    // The caller's own role and the member's are batched into one get_role_in_group.
    const [, role] = await Promise.all([authorizeMemberAccess(caller, member, policy, roleOf), roleOf(member)]);
    return role;
  }

  @FieldResolver(() => Group)
  group(@Root() member: GroupMember): Group {
    return { id: member.groupId };
  }
}

function refuse(problem: FieldProblem): void {
  if (problem !== undefined) throw badUserInput(problem.field, problem.message);
}
