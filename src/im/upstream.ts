import type { Config } from '../config';
import { AdminUserSig } from './admin-usersig';
import { ImHttpClient, type ImCall, type ImCommand } from './client';
import { UnreadCountCoalescer, type UnreadCountOutcome, type UnreadCountUpdate } from './coalescer';
import { GroupTypeCache } from './group-types';
import { ImApi } from './im-api';
import { ImError } from './im-error';
import { PacingRateLimiter, withRateLimit, type RateLimiter } from './rate-limiter';
import { withRetries } from './retry';
import type { RedisSharedState } from '../shared/redis-state';

/** Where the stack sends its calls and with which credentials. */
export interface ImEndpoint {
  baseUrl: string;
  sdkAppId: number;
  secretKey: string;
}

/** How one attempt at IM ended: IM's ErrorCode when it answered (0 = success), else the gateway code. */
export interface ImCallResult {
  command: ImCommand;
  imErrorCode?: number;
  code?: string;
  seconds: number;
}

/** Hooks for logs and metrics; each is optional. */
export interface ImUpstreamHooks {
  /** Every attempt that reached the wire (retries included), after it ended. */
  onCall?: (result: ImCallResult) => void;
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
    /** Replicas' shared limits and member ordering (IM_SHARED_STATE=redis); none for one process. */
    private readonly shared?: RedisSharedState,
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
        const options = { callsPerSecond: settings.rateLimitPerSecond, maxQueueWaitMs: settings.maxQueueWaitMs, onWait: hooks.onLimiterWait };
        limiter = shared === undefined ? new PacingRateLimiter(options) : shared.limiter(command, options);
        this.limiters.set(command, limiter);
      }
      return limiter;
    };
    const call = withRetries(withRateLimit(observed(this.client.call, hooks.onCall), limiterFor), {
      maxRetries: settings.maxRetries,
      deadlineMs: settings.retryDeadlineMs,
      resign: () => this.adminUserSig.invalidate(),
      onRetry: hooks.onRetry,
    });
    this.api = new ImApi(call);
    const send =
      shared === undefined
        ? (update: UnreadCountUpdate) => this.api.setUnreadMsgNum(update)
        : (update: UnreadCountUpdate) => shared.sendInOrder(update, (unreadCount) => this.api.setUnreadMsgNum({ ...update, unreadCount }));
    this.coalescer = new UnreadCountCoalescer(send, {
      windowMs: settings.coalesceWindowMs,
      onMerged: hooks.onMerged,
      stamp: shared === undefined ? undefined : (update) => shared.stampArrival(update),
    });
    this.groupTypes = new GroupTypeCache(this.api, settings.groupTypeCacheSize, shared?.groupTypes);
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

  /** Undefined when ready to take traffic; otherwise why not (shared state unreachable). */
  notReadyReason(): string | undefined {
    return this.shared?.notReadyReason();
  }

  /** Callers waiting for a limiter slot, over all commands. */
  get limiterQueueLength(): number {
    let total = 0;
    for (const limiter of this.limiters.values()) total += limiter.queueLength;
    return total;
  }

  /**
   * Closes the connection pool once its requests end; callers drain first (until `coalescer.pendingUpdates` is 0).
   * `abandon` aborts calls still in progress instead (a shutdown past its deadline).
   */
  async close(options: { abandon?: boolean } = {}): Promise<void> {
    await (options.abandon === true ? this.client.destroy() : this.client.close());
    await this.shared?.close();
  }
}

/** Wraps the wire call to report each attempt's outcome and duration. */
function observed(call: ImCall, onCall: ImUpstreamHooks['onCall']): ImCall {
  if (onCall === undefined) return call;
  return async (command, body) => {
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    try {
      const reply = await call(command, body);
      onCall({ command, imErrorCode: 0, seconds: seconds() });
      return reply;
    } catch (error) {
      const imError = error instanceof ImError ? error : undefined;
      onCall({ command, imErrorCode: imError?.imErrorCode, code: imError?.code ?? 'UNEXPECTED', seconds: seconds() });
      throw error;
    }
  };
}
