import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import Redis from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { ImCommand } from '../im/client';
import type { UnreadCountUpdate } from '../im/coalescer';
import type { SharedGroupTypes } from '../im/group-types';
import { IM_GROUP_TYPES, type GroupMemberRef, type ImGroupType } from '../im/im-api';
import { ImError } from '../im/im-error';
import { queueRefusal, RATE_LIMIT_HEADROOM, WINDOW_MS, type PacingRateLimiterOptions, type RateLimiter } from '../im/rate-limiter';
import { CLAIM_MEMBER, RECORD_SEND, RELEASE_MEMBER, RENEW_LEASE, RESERVE_SLOT, SUBMIT_UPDATE } from './redis-scripts';

/** A member's sequence and last applied value are kept this long after its last update. */
const MEMBER_STATE_TTL_MS = 60 * 60 * 1000;
/** How long a group's type is shared (see `groupTypes`). */
const SHARED_GROUP_TYPE_TTL_MS = 24 * 60 * 60 * 1000;
/** How often a replica waiting for another's lease on a member looks again. */
const LEASE_POLL_MS = 5;
/** A send grant that takes longer than this to arrive is stale: at 95 % pacing the window has ~50 ms of slack. */
const STALE_GRANT_MS = 25;
/** A Redis command that takes longer than this fails (the update then fails as retryable). */
const REDIS_COMMAND_TIMEOUT_MS = 1000;

interface Scripts {
  reserveSlot(tat: string, intervalMs: number, maxWaitMs: number): Promise<[number, string]>;
  recordSend(sends: string, limit: number, windowMs: number, id: string): Promise<string>;
  submitUpdate(member: string, value: number, ttlMs: number): Promise<number>;
  claimMember(member: string, lease: string, seq: number, token: string, leaseMs: number): Promise<[number, number | string | null, string | null]>;
  releaseMember(member: string, lease: string, token: string, appliedSeq: number | '', appliedValue: number | ''): Promise<number>;
  renewLease(lease: string, token: string, leaseMs: number): Promise<number>;
}

export interface RedisStateOptions {
  url: string;
  /** Keys start with this; one Redis can serve several apps. */
  keyPrefix: string;
  /** Longer than one IM call (the lease is renewed while the call runs). */
  leaseMs: number;
  /** How long an update may wait for another replica's lease on its member. */
  maxLeaseWaitMs: number;
  logger: Logger;
}

/**
 * The state replicas share through Redis (ioredis): one rate limit per IM command for the whole app, and
 * per-member ordering (a lease and a sequence number per member). When Redis is unreachable every update
 * fails as retryable IM_UNAVAILABLE — never a silent fallback to private limits — and the connection
 * comes back by itself.
 */
export class RedisSharedState {
  private readonly redis: Redis & Scripts;
  private readonly instance = randomUUID();
  private sendCounter = 0;
  private down = false;

  constructor(private readonly options: RedisStateOptions) {
    const redis = new Redis(options.url, {
      // Fail at once while disconnected instead of queueing: an update must not hang on a dead Redis.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
      retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
      connectionName: 'im-graphql-gateway',
    });
    const scripts: Array<[keyof Scripts, number, string]> = [
      ['reserveSlot', 1, RESERVE_SLOT],
      ['recordSend', 1, RECORD_SEND],
      ['submitUpdate', 1, SUBMIT_UPDATE],
      ['claimMember', 2, CLAIM_MEMBER],
      ['releaseMember', 2, RELEASE_MEMBER],
      ['renewLease', 1, RENEW_LEASE],
    ];
    for (const [name, numberOfKeys, lua] of scripts) redis.defineCommand(name, { numberOfKeys, lua });
    redis.on('error', (error: Error) => {
      if (this.down) return; // once per outage; reconnects are retried quietly
      this.down = true;
      options.logger.error({ err: error, redis: redactedUrl(options.url) }, 'REDIS UNREACHABLE: updates fail as IM_UNAVAILABLE (retryable) and /readyz reports not ready until it returns');
    });
    redis.on('ready', () => {
      if (this.down) options.logger.warn({ redis: redactedUrl(options.url) }, 'Redis connection restored: shared limits and member ordering are back');
      this.down = false;
    });
    this.redis = redis as Redis & Scripts;
  }

  /** Undefined when ready; otherwise why not (for /readyz). */
  notReadyReason(): string | undefined {
    return this.redis.status === 'ready' ? undefined : `shared state (Redis) is ${this.redis.status}`;
  }

  /** Resolves once connected, or after `timeoutMs` (the gateway starts anyway and reports not ready). */
  async whenReady(timeoutMs: number): Promise<boolean> {
    if (this.redis.status === 'ready') return true;
    return Promise.race([
      new Promise<boolean>((resolve) => this.redis.once('ready', () => resolve(true))),
      sleep(timeoutMs).then(() => false),
    ]);
  }

  /** A limiter shared by every replica for one IM command: the same pacing and hard guard as the in-process one. */
  limiter(command: ImCommand, options: PacingRateLimiterOptions & { maxQueueWaitMs: number }): RateLimiter {
    const tat = this.key(`rl:${command}`, 'tat');
    const sends = this.key(`rl:${command}`, 'sends');
    const intervalMs = WINDOW_MS / (options.callsPerSecond * RATE_LIMIT_HEADROOM);
    const limit = Math.floor(options.callsPerSecond);
    let waiting = 0;
    return {
      get queueLength() {
        return waiting;
      },
      acquire: async () => {
        const startedAt = performance.now();
        waiting += 1;
        try {
          for (;;) {
            const [granted, waitText] = await this.run(() => this.redis.reserveSlot(tat, intervalMs, options.maxQueueWaitMs));
            const waitMs = Number(waitText);
            if (granted !== 1) throw queueRefusal(waitMs - options.maxQueueWaitMs);
            if (waitMs >= 1) await sleep(waitMs);
            // Hard guard: stalled processes send late and bunch; never more than the limit in any window.
            const askedAt = performance.now();
            const freeInMs = Number(await this.run(() => this.redis.recordSend(sends, limit, WINDOW_MS, `${this.instance}:${this.sendCounter++}`)));
            // A grant that took long to reach us (this process stalled) was recorded too early for when the call
            // really leaves: take a new paced slot and record again (the early entry stays: erring on the safe side).
            if (freeInMs <= 0 && performance.now() - askedAt <= STALE_GRANT_MS) break;
            if (freeInMs <= 0) continue;
            if (performance.now() - startedAt + freeInMs > options.maxQueueWaitMs) throw queueRefusal(freeInMs);
            // Wait for room, then take a new paced slot: waking every blocked caller at once would echo the bunch.
            await sleep(Math.ceil(freeInMs));
          }
        } finally {
          waiting -= 1;
        }
        options.onWait?.(performance.now() - startedAt);
      },
    };
  }

  /**
   * Sends a member's update so that, across replicas, calls for one member never overlap and the member
   * ends with the update that reached Redis last. Each update takes a sequence number; whoever holds the
   * member's lease sends the latest value, and updates already covered by an applied later-or-equal one
   * cost no call. Resolves only once IM has applied a value at least as new as this update.
   */
  async sendInOrder(update: UnreadCountUpdate, send: (unreadCount: number) => Promise<void>): Promise<{ unreadCount: number; coalesced: boolean }> {
    const { member, lease } = this.memberKeys(update);
    const seq = update.order ?? (await this.stampArrival(update));
    const token = randomUUID();
    const deadline = Date.now() + this.options.maxLeaseWaitMs;
    for (;;) {
      const [state, a, b] = await this.run(() => this.redis.claimMember(member, lease, seq, token, this.options.leaseMs));
      if (state === 1) return { unreadCount: a === null ? update.unreadCount : Number(a), coalesced: true };
      if (state === 2) {
        const latestSeq = Number(a);
        const value = b === null ? update.unreadCount : Number(b);
        await this.sendHoldingLease(lease, token, () => send(value)).catch(async (error: unknown) => {
          await this.redis.releaseMember(member, lease, token, '', '').catch(() => undefined); // else it expires by itself
          throw error;
        });
        await this.run(() => this.redis.releaseMember(member, lease, token, latestSeq, value));
        return { unreadCount: value, coalesced: latestSeq !== seq };
      }
      if (Date.now() > deadline) throw ImError.unavailable('another replica held this member for too long');
      await sleep(Math.min(Math.max(Number(a), 1), LEASE_POLL_MS));
    }
  }

  /**
   * Stamps an update's arrival: the member's next sequence number, and its value becomes the latest. Done
   * when the update is accepted, so an update held back behind its member's in-flight call keeps its place.
   */
  stampArrival(update: UnreadCountUpdate): Promise<number> {
    const { member } = this.memberKeys(update);
    return this.run(() => this.redis.submitUpdate(member, update.unreadCount, MEMBER_STATE_TTL_MS));
  }

  /**
   * Group types shared by replicas, so each group is looked up once for all of them. Kept a day: a type
   * never changes, but a disbanded group's custom ID may come back as another type.
   */
  readonly groupTypes: SharedGroupTypes = {
    get: async (groupIds) => {
      const values = await this.redis.mget(groupIds.map((groupId) => this.groupTypeKey(groupId)));
      const types = new Map<string, ImGroupType>();
      groupIds.forEach((groupId, index) => {
        const value = values[index];
        if (value !== null && IM_GROUP_TYPES.includes(value as ImGroupType)) types.set(groupId, value as ImGroupType);
      });
      return types;
    },
    set: async (types) => {
      const pipeline = this.redis.pipeline();
      for (const [groupId, type] of types) pipeline.set(this.groupTypeKey(groupId), type, 'PX', SHARED_GROUP_TYPE_TTL_MS);
      await pipeline.exec();
    },
  };

  async close(): Promise<void> {
    this.redis.disconnect();
  }

  /** A member's state (sequence, latest and applied values) and lease, in one Cluster slot. */
  private memberKeys({ groupId, memberAccount }: GroupMemberRef): { member: string; lease: string } {
    const tag = `m:${groupId}:${memberAccount}`;
    return { member: this.key(tag, 'state'), lease: this.key(tag, 'lease') };
  }

  private groupTypeKey(groupId: string): string {
    // One hash tag for all, so a batch's MGET stays in one Redis Cluster slot.
    return this.key('group-types', groupId);
  }

  /** Renews the lease while the call (with its retries) runs, so a slow call never loses it to another replica. */
  private async sendHoldingLease(lease: string, token: string, send: () => Promise<void>): Promise<void> {
    const renew = setInterval(() => void this.redis.renewLease(lease, token, this.options.leaseMs).catch(() => undefined), this.options.leaseMs / 3);
    try {
      await send();
    } finally {
      clearInterval(renew);
    }
  }

  /** Any Redis failure becomes the one retryable error; the gateway never falls back to private limits. */
  private async run<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      if (error instanceof ImError) throw error;
      throw ImError.sharedStateUnavailable(error);
    }
  }

  private key(tag: string, suffix: string): string {
    // A hash tag keeps each script's keys in one slot on Redis Cluster.
    return `${this.options.keyPrefix}{${tag}}:${suffix}`;
  }
}

function redactedUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = '***';
  return parsed.toString();
}

/** The shared state the configuration asks for: Redis, or none (one process, in-memory limits). */
export function sharedStateFor(settings: Config['im'], logger: Logger): RedisSharedState | undefined {
  if (settings.sharedState.kind !== 'redis') return undefined;
  return new RedisSharedState({
    url: settings.sharedState.url,
    keyPrefix: settings.sharedState.keyPrefix,
    // Past the longest single call; renewed while the call and its retries run.
    leaseMs: settings.timeoutMs + 2000,
    maxLeaseWaitMs: settings.retryDeadlineMs + settings.timeoutMs,
    logger,
  });
}
