import { IsByteLength, IsInt, Matches, Min } from 'class-validator';
import { Field, ID, InputType, Int } from 'type-graphql';

/** IM group IDs: printable ASCII, at most 48 bytes. */
export const GROUP_ID_RULE = /^[\x20-\x7e]{1,48}$/;
/** IM accounts: 1 to 32 bytes; control characters never make a valid account. */
export const MAX_ACCOUNT_BYTES = 32;
export const NO_CONTROL_CHARACTERS = /^[^\p{Cc}]*$/u;

@InputType({ description: "One member's new unread message count in one group." })
export class SetGroupMemberUnreadCountInput {
  @Field(() => ID, { description: 'The IM group ID (`GroupId`): 1 to 48 bytes of printable ASCII, e.g. `@TGS#2CLUZEAEJ`.' })
  @Matches(GROUP_ID_RULE, { message: 'groupId must be 1 to 48 bytes of printable ASCII' })
  groupId!: string;

  @Field(() => ID, { description: 'The IM account of the member (`Member_Account`): 1 to 32 bytes, no control characters.' })
  @IsByteLength(1, MAX_ACCOUNT_BYTES, { message: `memberAccount must be 1 to ${MAX_ACCOUNT_BYTES} bytes` })
  @Matches(NO_CONTROL_CHARACTERS, { message: 'memberAccount must not contain control characters' })
  memberAccount!: string;

  @Field(() => Int, {
    description:
      'The unread count to set (`UnreadMsgNum`), 0 or more. An absolute value, not an increment; IM clamps it to the number of messages in the group.',
  })
  @IsInt({ message: 'unreadCount must be an integer' })
  @Min(0, { message: 'unreadCount must be 0 or more' })
  unreadCount!: number;
}
