import { IsInt, Max, Min } from 'class-validator';
import { Field, ID, InputType, Int } from 'type-graphql';
import { IsImAccount, IsImGroupId } from '../im-id-rules';

/** GraphQL's Int is 32-bit; the import command, which has no GraphQL coercion, needs the bound stated. */
export const MAX_GRAPHQL_INT = 2 ** 31 - 1;

@InputType({ description: "One member's new unread message count in one group." })
export class SetGroupMemberUnreadCountInput {
  @Field(() => ID, { description: 'The IM group ID (`GroupId`): 1 to 48 bytes of printable ASCII, e.g. `@TGS#2CLUZEAEJ`.' })
  @IsImGroupId()
  groupId!: string;

  @Field(() => ID, { description: 'The IM account of the member (`Member_Account`): 1 to 32 bytes, no control characters.' })
  @IsImAccount()
  memberAccount!: string;

  @Field(() => Int, {
    description:
      'The unread count to set (`UnreadMsgNum`), 0 or more. An absolute value, not an increment; IM clamps it to the number of messages in the group.',
  })
  // Decorators apply bottom-up and the first failure is reported: the integer rule must run first.
  @Max(MAX_GRAPHQL_INT, { message: `unreadCount must be at most ${MAX_GRAPHQL_INT}` })
  @Min(0, { message: 'unreadCount must be 0 or more' })
  @IsInt({ message: 'unreadCount must be an integer' })
  unreadCount!: number;
}
