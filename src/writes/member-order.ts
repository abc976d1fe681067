import type { GroupMemberRef, UnreadCountOutcome, UnreadCountUpdate } from '../domain/member';

/** What a send may report: the value IM actually applied, when another replica's later value went instead. */
export type SendResult = UnreadCountOutcome | void;

/** Sends one member's value to IM (the outbound pipeline's set_unread_msg_num). */
export type SendUpdate = (update: UnreadCountUpdate) => Promise<void>;

/**
 * How calls for one member are kept in order. In one process the coalescer alone does it (no call for a
 * member starts before the previous one settled); replicas share it through Redis (member-order-redis.ts).
 */
export interface MemberOrdering {
  /** Stamps an update's arrival order when it is accepted; absent in one process, where arrival is the caller's order. */
  stamp?: (update: UnreadCountUpdate) => Promise<number>;
  /** Sends the member's value so that calls never overlap and the latest arrival wins. */
  send(update: UnreadCountUpdate, send: SendUpdate): Promise<SendResult>;
  /**
   * Replicas, for the late-write repair: the value last applied for the member by any replica, while nothing
   * newer is on its way (undefined otherwise, or when unknown).
   */
  appliedValue?: (member: GroupMemberRef) => Promise<number | undefined>;
  /** Replicas: stamps `value` again as the member's newest update, if it is still the applied one and nothing newer came. */
  restamp?: (member: GroupMemberRef, value: number) => Promise<number | undefined>;
}

/** One process: the coalescer's own per-member rounds are the order. */
export const IN_PROCESS_ORDERING: MemberOrdering = {
  send: (update, send) => send(update),
};
