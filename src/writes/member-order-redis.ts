import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { GroupMemberRef, UnreadCountOutcome, UnreadCountUpdate } from '../domain/member';
import { imUnavailable } from '../errors';
import type { ReplicaConnection } from '../replicas/redis-connection';
import type { MemberOrdering, SendUpdate } from './member-order';

/** A member's sequence and last applied value are kept this long after its last update. */
const MEMBER_STATE_TTL_MS = 60 * 60 * 1000;
/**
 * A replica waiting for another's lease on a member is woken when it is released (pub/sub); it looks again
 * after this long anyway, in case that message was lost.
 */
const LEASE_RECHECK_MS = 250;
/** While writes hold after a Redis reset, a waiting update looks again this often (a newer reset may extend the hold). */
const RESET_HOLD_POLL_MS = 250;

export interface RedisMemberOrderingOptions {
  /** Longer than one IM call (the lease is renewed while the call runs). */
  leaseMs: number;
  /** How long an update may wait for another replica's lease on its member. */
  maxLeaseWaitMs: number;
  /** How long the member's lease must still be held after my turn: an abandoned call of mine may still land. */
  holdAfterMs?: (update: GroupMemberRef) => number;
}

/**
 * Per-member order across replicas: each update takes a sequence number when it arrives; whoever holds the
 * member's lease sends the latest value, and updates already covered by an applied later-or-equal one cost no
 * call. Resolves only once IM has applied a value at least as new as the update.
 * Safe against Redis losing this state (docs/scale-out.md, "When Redis forgets"): sequence numbers come from
 * Redis's clock, so a fresh hash never makes a newer update look applied; a claim whose stamp Redis lost puts
 * it back; and after a reset claims hold until every lease the reset erased has run out (state-epoch.ts).
 */
export class RedisMemberOrdering implements MemberOrdering {
  constructor(
    private readonly connection: ReplicaConnection,
    private readonly options: RedisMemberOrderingOptions,
  ) {}

  /**
   * The member's next sequence number, and its value becomes the latest. Done when the update is accepted,
   * so an update held back behind its member's in-flight call keeps its place.
   */
  readonly stamp = (update: UnreadCountUpdate): Promise<number> => {
    const { member } = memberKeys(this.connection, update);
    return this.connection.run(() => this.connection.redis.submitUpdate(member, update.unreadCount, MEMBER_STATE_TTL_MS));
  };

  readonly appliedValue = async (member: GroupMemberRef): Promise<number | undefined> => {
    const [seq, applied, value] = await this.connection.run(() => this.connection.redis.hmget(memberKeys(this.connection, member).member, 'seq', 'applied', 'appliedValue'));
    return seq !== null && applied !== null && Number(seq) === Number(applied) && value !== null ? Number(value) : undefined;
  };

  readonly restamp = async (member: GroupMemberRef, value: number): Promise<number | undefined> => {
    const seq = await this.connection.run(() => this.connection.redis.restampApplied(memberKeys(this.connection, member).member, value, MEMBER_STATE_TTL_MS));
    return seq === 0 ? undefined : seq;
  };

  async send(update: UnreadCountUpdate, send: SendUpdate): Promise<UnreadCountOutcome> {
    const { redis, epoch } = this.connection;
    const { member, lease } = memberKeys(this.connection, update);
    const seq = update.order ?? (await this.stamp(update));
    const token = randomUUID();
    let deadline = Date.now() + this.options.maxLeaseWaitMs;
    for (;;) {
      // After a Redis reset, a lease it forgot may still cover a call on its way to IM: hold, then wait as usual.
      const held = epoch.holdMs('membersMs');
      if (held > 0) {
        await sleep(Math.min(held, RESET_HOLD_POLL_MS));
        deadline = Math.max(deadline, Date.now() + this.options.maxLeaseWaitMs);
        continue;
      }
      const [state, a, b] = await this.connection.run(() => redis.claimMember(member, lease, seq, token, this.options.leaseMs, update.unreadCount, MEMBER_STATE_TTL_MS));
      if (state === 1) return { unreadCount: a === null ? update.unreadCount : Number(a), coalesced: true };
      if (state === 2) {
        const latestSeq = Number(a);
        const value = b === null ? update.unreadCount : Number(b);
        await this.sendHoldingLease(lease, token, () => send({ ...update, unreadCount: value })).catch(async (error: unknown) => {
          await redis.releaseMember(member, lease, token, '', '', this.holdAfterMs(update), MEMBER_STATE_TTL_MS, this.connection.leaseReleases.channel).catch(() => undefined); // else it expires by itself
          throw error;
        });
        // IM applied it: that is the answer, even if Redis cannot record it now (the lease then expires by itself
        // and the next holder sends the latest value again).
        await redis.releaseMember(member, lease, token, latestSeq, value, this.holdAfterMs(update), MEMBER_STATE_TTL_MS, this.connection.leaseReleases.channel).catch(() => undefined);
        return { unreadCount: value, coalesced: latestSeq !== seq };
      }
      if (Date.now() > deadline) throw imUnavailable('another replica held this member for too long');
      await this.connection.leaseReleases.waitFor(member, Math.min(Math.max(Number(a), 1), LEASE_RECHECK_MS));
    }
  }

  private holdAfterMs(update: GroupMemberRef): number {
    return this.options.holdAfterMs?.(update) ?? 0;
  }


  /** Renews the lease while the call (with its retries) runs, so a slow call never loses it to another replica. */
  private async sendHoldingLease(lease: string, token: string, send: () => Promise<void>): Promise<void> {
    const { redis } = this.connection;
    const renew = setInterval(() => void redis.renewLease(lease, token, this.options.leaseMs).catch(() => undefined), this.options.leaseMs / 3);
    try {
      await send();
    } finally {
      clearInterval(renew);
    }
  }
}

/** A member's state hash (`seq`: updates stamped so far; latest and applied values) and lease, in one Cluster slot. */
export function memberKeys(connection: ReplicaConnection, { groupId, memberAccount }: GroupMemberRef): { member: string; lease: string } {
  const tag = `m:${groupId}:${memberAccount}`;
  return { member: connection.key(tag, 'state'), lease: connection.key(tag, 'lease') };
}
