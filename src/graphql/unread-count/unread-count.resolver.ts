import { GraphQLError } from 'graphql';
import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { authorizeMemberAccess } from '../../auth/authorize';
import type { UnreadCountOutcome } from '../../im/coalescer';
import { GatewayErrorCode } from '../../im/error-codes';
import type { GroupMember } from '../group/group.type';
import type { GatewayContext } from '../context';
import { INTERNAL_ERROR, toClientError } from '../errors';
import { assertValidInput } from '../validation';
import { SetGroupMemberUnreadCountInput } from './unread-count.input';
import {
  SetGroupMemberUnreadCountPayload,
  SetGroupMemberUnreadCountResult,
  SetGroupMemberUnreadCountsPayload,
} from './unread-count.type';

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
    const outcome = await acceptUpdate(input, 'input', context);
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
    if (inputs.length > maxBatchSize) {
      throw new GraphQLError(`inputs: at most ${maxBatchSize} items per batch, got ${inputs.length}`, {
        extensions: { code: GatewayErrorCode.BAD_USER_INPUT, field: 'inputs', retryable: false },
      });
    }
    const results = await Promise.all(
      inputs.map(async (input, index): Promise<SetGroupMemberUnreadCountResult> => {
        try {
          const outcome = await acceptUpdate(input, `inputs[${index}]`, context);
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

/**
 * One update's way in, the same for single and batch: valid input → the caller → the group's type
 * (no silent no-ops) → the caller's right over this member → the coalescer. Any refusal costs no set call.
 */
async function acceptUpdate(input: SetGroupMemberUnreadCountInput, field: string, context: GatewayContext): Promise<UnreadCountOutcome> {
  assertValidInput(input, field);
  const caller = await context.authenticate();
  await context.upstream.checkGroupType(input.groupId);
  const { adminAccounts, allowSelfUpdate } = context.config.auth;
  const policy = { adminAccounts, allowSelf: allowSelfUpdate, action: 'set the unread count of' };
  await authorizeMemberAccess(caller, input, policy, (member) => context.loaders.role.load(member));
  return context.upstream.setUnreadCount(input);
}

function memberOf(input: SetGroupMemberUnreadCountInput): GroupMember {
  return { groupId: input.groupId, memberAccount: input.memberAccount };
}
