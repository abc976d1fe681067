import { IsImAccount, IsImGroupId } from '../im-id-rules';

/** The read queries' arguments, checked with the same rules as the mutation input. */
export class GroupMemberArgs {
  @IsImGroupId()
  groupId!: string;

  @IsImAccount()
  memberAccount!: string;
}

export class GroupArgs {
  @IsImGroupId()
  id!: string;
}
