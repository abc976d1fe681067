import { Field, ID, InputType, Int } from 'type-graphql';

/** The rules are checked by the write use case (domain/ids.ts), so the import command shares them exactly. */
@InputType({ description: "One member's new unread message count in one group." })
export class SetGroupMemberUnreadCountInput {
  @Field(() => ID, { description: 'The IM group ID (`GroupId`): 1 to 48 bytes of printable ASCII, e.g. `@TGS#2CLUZEAEJ`.' })
  groupId!: string;

  @Field(() => ID, { description: 'The IM account of the member (`Member_Account`): 1 to 32 bytes, no control characters.' })
  memberAccount!: string;

  @Field(() => Int, {
    description:
      'The unread count to set (`UnreadMsgNum`), 0 or more. An absolute value, not an increment; IM clamps it to the number of messages in the group.',
  })
  unreadCount!: number;
}
