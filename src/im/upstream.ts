import type { Config } from '../config';
import { AdminUserSig } from './admin-usersig';
import { ImHttpClient, type ImCommand } from './client';
import { UnreadCountCoalescer, type UnreadCountOutcome, type UnreadCountUpdate } from './coalescer';
import { GroupTypeCache } from './group-types';
import { ImApi } from './im-api';
import type { ImError } from './im-error';
import { PacingRateLimiter, withRateLimit, type RateLimiter } from './rate-limiter';
import { withRetries } from './retry';

/** Where the stack sends its calls and with which credentials. */
export interface ImEndpoint {
  baseUrl: string;
  sdkAppId: number;
  secretKey: string;
}

/** Hooks for logs and metrics; each is optional. */
export interface ImUpstreamHooks {
  onRetry?: (attempt: number, error: ImError) => void;
  onMerged?: (extraUpdates: number) => void;
  onLimiterWait?: (waitMs: number) => void;
}

/**
 * The whole upstream stack, built once per process and shared by GraphQL and the import command:
 * coalescer → retries → per-command rate limiter → signed undici client → IM.
 * Retries sit outside the limiter so every attempt, retries included, takes a slot of the limit.
 */
export class ImUpstream {
  readonly adminUserSig: AdminUserSig;
  readonly api: ImApi;
  readonly coalescer: UnreadCountCoalescer;
  readonly groupTypes: GroupTypeCache;
  private readonly client: ImHttpClient;
  private readonly limiters = new Map<ImCommand, RateLimiter>();

  constructor(
    readonly endpoint: ImEndpoint,
    readonly settings: Config['im'],
    hooks: ImUpstreamHooks = {},
  ) {
    this.adminUserSig = new AdminUserSig({
      sdkAppId: endpoint.sdkAppId,
      secretKey: endpoint.secretKey,
      identifier: settings.adminIdentifier,
    });
    this.client = new ImHttpClient({
      baseUrl: endpoint.baseUrl,
      sdkAppId: endpoint.sdkAppId,
      adminUserSig: this.adminUserSig,
      timeoutMs: settings.timeoutMs,
    });
    // Tencent counts each REST API's frequency separately, so each command gets its own limiter.
    const limiterFor = (command: ImCommand): RateLimiter => {
      let limiter = this.limiters.get(command);
      if (limiter === undefined) {
        limiter = new PacingRateLimiter({
          callsPerSecond: settings.rateLimitPerSecond,
          maxQueueWaitMs: settings.maxQueueWaitMs,
          onWait: hooks.onLimiterWait,
        });
        this.limiters.set(command, limiter);
      }
      return limiter;
    };
    const call = withRetries(withRateLimit(this.client.call, limiterFor), {
      maxRetries: settings.maxRetries,
      deadlineMs: settings.retryDeadlineMs,
      resign: () => this.adminUserSig.invalidate(),
      onRetry: hooks.onRetry,
    });
    this.api = new ImApi(call);
    this.coalescer = new UnreadCountCoalescer((update) => this.api.setUnreadMsgNum(update), {
      windowMs: settings.coalesceWindowMs,
      onMerged: hooks.onMerged,
    });
    this.groupTypes = new GroupTypeCache(this.api, settings.groupTypeCacheSize);
  }

  /**
   * Refuses an update IM would silently ignore (CHECK_GROUP_TYPE): the group's type is looked up first.
   * Callers authorize between this check and {@link setUnreadCount}.
   */
  async checkGroupType(groupId: string): Promise<void> {
    if (this.settings.checkGroupType) await this.groupTypes.assertUnreadCountSupported(groupId);
  }

  /** Sends one accepted update through the coalescer (merging, ordering, rate limit, retries). */
  setUnreadCount(update: UnreadCountUpdate): Promise<UnreadCountOutcome> {
    return this.coalescer.submit(update);
  }

  /** Callers waiting for a limiter slot, over all commands. */
  get limiterQueueLength(): number {
    let total = 0;
    for (const limiter of this.limiters.values()) total += limiter.queueLength;
    return total;
  }

  /** Waits until every accepted update is answered, then closes the connection pool. */
  async close(): Promise<void> {
    await this.coalescer.whenIdle();
    await this.client.close();
  }
}
