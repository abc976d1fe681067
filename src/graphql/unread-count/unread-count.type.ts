import { Field, ID, Int, ObjectType } from 'type-graphql';
import { GroupMember } from '../group/group.type';

@ObjectType({ description: "The result of setting one member's unread count." })
export class SetGroupMemberUnreadCountPayload {
  @Field(() => ID, { description: 'The group ID, as given.' })
  groupId!: string;

  @Field(() => ID, { description: 'The member account, as given.' })
  memberAccount!: string;

  @Field(() => Int, {
    description:
      'The value sent to IM. IM may clamp it to the number of messages in the group. When a later update for the same member arrived in the same coalescing round, this is that later value.',
  })
  unreadCount!: number;

  @Field({ description: 'True when this update shared its IM call with other concurrent updates for the same member.' })
  coalesced!: boolean;

  @Field(() => GroupMember, { description: 'The member, as an entity a supergraph can follow into other subgraphs.' })
  member!: GroupMember;
}

@ObjectType({ description: 'Why one item of a batch failed; the same facts the single mutation puts in `extensions`.' })
export class UnreadCountError {
  @Field({ description: 'The stable error code, e.g. `GROUP_NOT_FOUND` or `RATE_LIMITED`; see docs/api.md for the table.' })
  code!: string;

  @Field({ description: 'A short message, safe to show.' })
  message!: string;

  @Field(() => Int, { nullable: true, description: 'The ErrorCode IM answered with, when IM answered.' })
  imErrorCode?: number;

  @Field({ nullable: true, description: "IM's ErrorInfo text, when IM answered." })
  imErrorInfo?: string;

  @Field({ description: 'True when the same update may succeed if sent again later.' })
  retryable!: boolean;

  @Field({ nullable: true, description: 'For BAD_USER_INPUT: the field at fault, e.g. `inputs[3].memberAccount`.' })
  field?: string;

  @Field({ nullable: true, description: 'For UNSUPPORTED_GROUP_TYPE: the group\'s type (ChatRoom or AVChatRoom).' })
  groupType?: string;

  @Field(() => Int, { nullable: true, description: 'For RATE_LIMITED from the gateway\'s queue: how long to wait before retrying, in ms.' })
  retryAfterMs?: number;
}

@ObjectType({ description: 'The outcome of one item of a batch update.' })
export class SetGroupMemberUnreadCountResult {
  @Field(() => ID, { description: 'The group ID, as given.' })
  groupId!: string;

  @Field(() => ID, { description: 'The member account, as given.' })
  memberAccount!: string;

  @Field(() => Int, { description: 'The value sent to IM when `ok`; the requested value otherwise.' })
  unreadCount!: number;

  @Field({ description: 'True when IM applied the update.' })
  ok!: boolean;

  @Field(() => UnreadCountError, { nullable: true, description: 'Why the item failed; null when `ok`.' })
  error?: UnreadCountError | null;

  @Field(() => GroupMember, { description: 'The member, as an entity a supergraph can follow into other subgraphs.' })
  member!: GroupMember;
}

@ObjectType({ description: 'Per-item results of a batch update.' })
export class SetGroupMemberUnreadCountsPayload {
  @Field(() => [SetGroupMemberUnreadCountResult], { description: 'One result per input, in input order.' })
  results!: SetGroupMemberUnreadCountResult[];
}
