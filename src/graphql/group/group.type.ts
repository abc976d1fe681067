import { Directive, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { ListedMember } from '../../reads/group-members';
import { GROUP_ROLES, GROUP_TYPES, type GroupRole as DomainGroupRole, type GroupType as DomainGroupType } from '../../domain/group';

/** The domain's group types and roles (domain/group.ts) as GraphQL enums: each value is its own name. */
function enumOf<T extends string>(values: readonly T[]): { [K in T]: K } {
  return Object.fromEntries(values.map((value) => [value, value])) as { [K in T]: K };
}

export const GroupType = enumOf(GROUP_TYPES);
export type GroupType = DomainGroupType;
registerEnumType(GroupType, {
  name: 'GroupType',
  description: 'An IM group type. Private is the console\'s "Work" group, ChatRoom its "Meeting" group.',
});

export const GroupRole = enumOf(GROUP_ROLES);
export type GroupRole = DomainGroupRole;
registerEnumType(GroupRole, { name: 'GroupRole', description: "An account's role in a group; NotMember when it is not in the group." });

@Directive('@key(fields: "id")')
@ObjectType({ description: 'An IM group. An entity: other subgraphs can join on `id`.' })
export class Group {
  @Field(() => ID, { description: 'The IM group ID (`GroupId`).' })
  id!: string;

  @Field(() => GroupType, { description: "The group's type, read from IM's get_group_info (batched, up to 50 groups a call)." })
  type?: GroupType;
}

@Directive('@key(fields: "groupId memberAccount")')
@ObjectType({ description: 'An account in the context of one IM group. An entity: other subgraphs can join on `groupId memberAccount`.' })
export class GroupMember {
  @Field(() => ID, { description: 'The IM group ID (`GroupId`).' })
  groupId!: string;

  @Field(() => ID, { description: 'The IM account (`Member_Account`).' })
  memberAccount!: string;

  @Field(() => GroupRole, {
    description:
      "The account's role in the group, read from IM's get_role_in_group (batched, up to 500 accounts a call). Readable by app admins, the group's Owner and Admins, and the member themself; anyone else gets FORBIDDEN.",
  })
  role?: GroupRole;

  @Field(() => Group, { description: 'The group.' })
  group?: Group;

  /** Set when a Group.members page listed this member: its role and read position came with the page (not a GraphQL field). */
  listed?: ListedMember;
}

@ObjectType({ description: 'One member of a page of `Group.members`.' })
export class GroupMemberEdge {
  @Field({ description: 'Opaque: pass it as `after` to continue after this member.' })
  cursor!: string;

  @Field(() => GroupMember, { description: 'The member; `role`, `readMsgSeq` and `unreadCount` come with the page.' })
  node!: GroupMember;
}

@ObjectType({ description: 'Relay page information.' })
export class PageInfo {
  @Field({ description: 'Whether members follow this page.' })
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true, description: 'The last edge’s cursor; null on an empty page.' })
  endCursor!: string | null;
}

@ObjectType({ description: "A page of a group's members (Relay connection), read with IM's get_group_member_info." })
export class GroupMemberConnection {
  @Field(() => [GroupMemberEdge], { description: 'The members of this page, in IM’s order.' })
  edges!: GroupMemberEdge[];

  @Field(() => PageInfo, { description: 'Whether more members follow, and the cursor to continue after this page.' })
  pageInfo!: PageInfo;

  @Field(() => Int, { description: "The group's member count (IM's MemberNum)." })
  totalCount!: number;
}
