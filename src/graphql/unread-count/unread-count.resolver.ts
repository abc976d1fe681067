import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { badUserInput, INTERNAL_ERROR } from '../../errors';
import type { GatewayContext } from '../context';
import { toClientError } from '../errors';
import type { GroupMember } from '../group/group.type';
import { SetGroupMemberUnreadCountInput } from './unread-count.input';
import { SetGroupMemberUnreadCountPayload, SetGroupMemberUnreadCountResult, SetGroupMemberUnreadCountsPayload } from './unread-count.type';

/** Thin: each update goes through the write use case (writes/set-unread-count.ts). */
@Resolver()
export class UnreadCountResolver {
  @Mutation(() => SetGroupMemberUnreadCountPayload, {
    description:
      "Sets a group member's unread message count (IM `set_unread_msg_num`). An absolute set, safe to repeat. Concurrent updates for the same member are merged and the latest value wins. Errors carry `extensions.code`, `retryable` and, when IM answered, `imErrorCode`.",
  })
  async setGroupMemberUnreadCount(
    @Arg('input', () => SetGroupMemberUnreadCountInput, { description: 'Which member, in which group, and the new count.' })
    input: SetGroupMemberUnreadCountInput,
    @Ctx() context: GatewayContext,
  ): Promise<SetGroupMemberUnreadCountPayload> {
    const outcome = await write(input, 'input', context);
    return { groupId: input.groupId, memberAccount: input.memberAccount, ...outcome, member: memberOf(input) };
  }

  @Mutation(() => SetGroupMemberUnreadCountsPayload, {
    description:
      'Sets many unread counts at once, for migrations and operator consoles. Each item is validated and sent on its own (through the same coalescer and rate limit), so one bad item never fails the others.',
  })
  async setGroupMemberUnreadCounts(
    @Arg('inputs', () => [SetGroupMemberUnreadCountInput], {
      description: 'The updates, at most IM_MAX_BATCH_SIZE (default 500) of them.',
    })
    inputs: SetGroupMemberUnreadCountInput[],
    @Ctx() context: GatewayContext,
  ): Promise<SetGroupMemberUnreadCountsPayload> {
    const { maxBatchSize } = context.config.im;
    if (inputs.length > maxBatchSize) throw badUserInput('inputs', `at most ${maxBatchSize} items per batch, got ${inputs.length}`);
    const results = await Promise.all(
      inputs.map(async (input, index): Promise<SetGroupMemberUnreadCountResult> => {
        try {
          const outcome = await write(input, `inputs[${index}]`, context);
          return { ...memberOf(input), unreadCount: outcome.unreadCount, ok: true, error: null, member: memberOf(input) };
        } catch (thrown) {
          const error = toClientError(thrown);
          if (error === undefined) context.logger.error({ err: thrown, item: index }, 'unexpected error in batch item');
          return { ...memberOf(input), unreadCount: input.unreadCount, ok: false, error: error ?? INTERNAL_ERROR, member: memberOf(input) };
        }
      }),
    );
    return { results };
  }
}

async function write(input: SetGroupMemberUnreadCountInput, path: string, context: GatewayContext) {
  const caller = await context.authenticate();
  return context.core.setUnreadCount.run(input, path, { caller, roleOf: (member) => context.loaders.role.load(member) });
}

function memberOf(input: SetGroupMemberUnreadCountInput): GroupMember {
  return { groupId: input.groupId, memberAccount: input.memberAccount };
}
