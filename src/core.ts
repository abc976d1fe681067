import type { Logger } from 'pino';
import type { ImSettings } from './config/config';
import type { GatewayError } from './errors';
import { GroupTypeCache } from './groups/group-type-cache';
import { redisGroupTypes } from './groups/shared-group-types';
import { compose } from './outbound/interceptor';
import type { RateLimiter } from './outbound/limiter/limiter';
import { PacingRateLimiter } from './outbound/limiter/memory';
import { RedisRateLimiter } from './outbound/limiter/redis';
import { observe, type ImCallResult } from './outbound/observe';
import { rateLimit } from './outbound/rate-limit';
import { retry } from './outbound/retry';
import { signatureLockout } from './outbound/signature-lockout';
import { sendGate } from './outbound/send-gate';
import { traced } from './outbound/traced';
import { DegradableRateLimiter } from './outbound/limiter/degradable';
import { ReplicaRegistry } from './replicas/replica-registry';
import { ReplicaConnection } from './replicas/redis-connection';
import { AdminUserSig } from './tencent/admin-usersig';
import { ImHttpClient } from './tencent/client';
import { chainHooks, ImApi, ImCommand, type CallHooks } from './tencent/commands';
import { memberKey, type GroupMemberRef, type UnreadCountUpdate } from './domain/member';
import { queueFull } from './errors';
import { GUARD_WINDOW_MS, pacingIntervalMs } from './outbound/limiter/limiter';
import { ABANDONED_CALL_LIFETIME_MS, AbandonedCalls } from './writes/abandoned-calls';
import { UnreadCountCoalescer } from './writes/coalescer';
import { IN_PROCESS_ORDERING, type MemberOrdering } from './writes/member-order';
import { RedisMemberOrdering } from './writes/member-order-redis';
import { inProcessAccountRate, redisAccountRate } from './writes/account-rate';
import { SetUnreadCount } from './writes/set-unread-count';
import { LateWriteRepair, type RepairStep } from './writes/late-write-repair';
import { createProcessReads, readHeldCount, type ProcessReads } from './reads/process-reads';

/** Where the calls go and with which credentials. */
export interface ImEndpoint {
  baseUrl: string;
  /** Where retries go while the primary host fails (the region's backup host, or IM_API_BACKUP_BASE_URL). */
  backupBaseUrl?: string;
  sdkAppId: number;
  secretKey: string;
}

/** Hooks for logs and metrics; each is optional. */
export interface CoreHooks {
  /** Every attempt that reached the wire (retries included), after it ended. */
  onCall?: (result: ImCallResult) => void;
  onRetry?: (attempt: number, error: GatewayError) => void;
  onMerged?: (extraUpdates: number) => void;
  onLimiterWait?: (waitMs: number) => void;
  /** This replica found Redis to be another server than before (restart or failover). */
  onSharedStateReset?: () => void;
  /** A command was sent to the shared state (Redis). */
  onRedisCommand?: () => void;
  /** A member whose call was abandoned was read back, or its value written again (late-write-repair.ts). */
  onLateWriteRepair?: (step: RepairStep) => void;
}

/** What the core needs beyond IM's settings: who may write (the import runs as the app admin). */
export interface CorePolicy {
  adminAccounts: ReadonlySet<string>;
  allowSelfUpdate: boolean;
}

/**
 * The IM side of the gateway, without HTTP or GraphQL, built once per process and shared by the server
 * (app.ts) and the import command: the write use case, the coalescer, group types, typed commands, and the
 * outbound pipeline — whose layers are the list in the constructor, from the caller down to the wire.
 */
export class GatewayCore {
  readonly adminUserSig: AdminUserSig;
  readonly api: ImApi;
  readonly groupTypes: GroupTypeCache;
  readonly coalescer: UnreadCountCoalescer;
  readonly setUnreadCount: SetUnreadCount;
  /** The read commands, batched across every request of the process. */
  readonly reads: ProcessReads;
  private readonly client: ImHttpClient;
  private readonly abandonedCalls: AbandonedCalls;
  private readonly lateWrites: LateWriteRepair;
  private readonly limiters = new Map<ImCommand, RateLimiter>();
  private readonly replicas?: ReplicaConnection;
  private readonly gate = sendGate();
  /** The replicas sharing Redis, counted by heartbeat: each one's share of the budget while Redis is unreachable. */
  private readonly registry?: ReplicaRegistry;

  constructor(
    readonly endpoint: ImEndpoint,
    readonly settings: ImSettings,
    policy: CorePolicy,
    logger: Logger,
    hooks: CoreHooks = {},
  ) {
    this.adminUserSig = new AdminUserSig({ sdkAppId: endpoint.sdkAppId, secretKey: endpoint.secretKey, identifier: settings.adminIdentifier });
    this.client = new ImHttpClient({
      baseUrl: endpoint.baseUrl,
      backupBaseUrl: endpoint.backupBaseUrl,
      sdkAppId: endpoint.sdkAppId,
      adminUserSig: this.adminUserSig,
      timeoutMs: settings.timeoutMs,
      onHostSwitch: (to, host) => logger.warn({ host, role: to }, `IM calls now go to the ${to} host`),
    });
    // The longest a member's lease is held: a call with its retries, then the window an abandoned call may still land in.
    const leaseLifetimeMs = settings.retryDeadlineMs + settings.timeoutMs + ABANDONED_CALL_LIFETIME_MS;
    const { sharedState } = settings;
    if (sharedState.kind === 'redis') {
      // After a reset, the send records of the last guard window (and grants written up to a window late) are gone.
      const resetHolds = { membersMs: leaseLifetimeMs, budgetMs: 2 * GUARD_WINDOW_MS };
      this.replicas = new ReplicaConnection({ topology: sharedState.topology, keyPrefix: sharedState.keyPrefix, logger, resetHolds, onReset: hooks.onSharedStateReset, onCommand: hooks.onRedisCommand });
      this.registry = new ReplicaRegistry(this.replicas);
    }

    const lockout = signatureLockout();
    const call = compose(
      [
        traced(), // with tracing on, a span per call (its retries included)
        lockout, // fail fast while IM's 70050 pause lasts
        retry({ maxRetries: settings.maxRetries, deadlineMs: settings.retryDeadlineMs, resign: () => this.adminUserSig.invalidate(), onRetry: hooks.onRetry }),
        rateLimit((command) => this.limiterFor(command, hooks.onLimiterWait)), // every attempt takes a slot of its command's budget
        lockout, // checked again right before the wire: calls already granted a slot stop too
        this.gate.interceptor, // closed at a shutdown deadline, before the unsent updates are listed
        observe(hooks.onCall), // every attempt that reached the wire, for metrics
      ],
      this.client.call,
    );
    this.api = new ImApi(call);
    this.reads = createProcessReads(this.api, settings.readBatchWindowMs);

    // A member whose call was abandoned waits until it can no longer land (in this process, and across
    // replicas by holding the member's lease that long), so the latest value always wins at IM.
    this.abandonedCalls = new AbandonedCalls();
    const holdAfterMs = (member: GroupMemberRef) => this.abandonedCalls.remainingMs(memberKey(member));
    const ordering: MemberOrdering =
      this.replicas === undefined
        ? IN_PROCESS_ORDERING
        : new RedisMemberOrdering(this.replicas, { leaseMs: settings.timeoutMs + 2000, maxLeaseWaitMs: leaseLifetimeMs, holdAfterMs });
    const send = async (update: UnreadCountUpdate, hooks: CallHooks) => {
      const sent = await ordering.send(update, (value) => {
        const onAbandoned = (writtenAt: number) => {
          this.abandonedCalls.abandoned(memberKey(update), writtenAt);
          this.lateWrites.abandoned(update, value.unreadCount, writtenAt);
        };
        return this.api.setUnreadMsgNum(value, chainHooks(hooks, { onAbandoned }));
      });
      this.lateWrites.answered(update, sent?.unreadCount ?? update.unreadCount);
      return sent;
    };
    const pacingMs = pacingIntervalMs(settings.rateLimitPerSecond);
    this.coalescer = new UnreadCountCoalescer(send, {
      windowMs: settings.coalesceWindowMs,
      onMerged: hooks.onMerged,
      stamp: ordering.stamp,
      holdUntilSafe: this.abandonedCalls.holdUntilSafe,
      maxPendingUpdates: settings.maxPendingUpdates,
      // The pending updates drain at about the pace of the limit: that is the wait to suggest.
      overloaded: (pending) => queueFull(pending * pacingMs),
      // The bound covers the whole wait, a member's queue behind its own earlier call included.
      maxWaitMs: settings.maxQueueWaitMs,
      estimatedWaitMs: () => this.limiterFor(ImCommand.SET_UNREAD_MSG_NUM, hooks.onLimiterWait).estimatedWaitMs(),
      waitTooLong: queueFull,
    });
    // An abandoned call IM applies later than assumed is found by reading the member back, and overwritten.
    this.lateWrites = new LateWriteRepair({
      read: (member) => readHeldCount(this.reads, member),
      lastApplied: async (member, answeredHere) => (ordering.appliedValue !== undefined ? ordering.appliedValue(member) : this.coalescer.hasPending(member) ? undefined : answeredHere),
      rewrite: async (member, value) => {
        // Across replicas, only while that value is still the member's newest (no other replica's update came since).
        const order = ordering.restamp === undefined ? undefined : await ordering.restamp(member, value);
        if (ordering.restamp !== undefined && order === undefined) return;
        await this.coalescer.submit({ ...member, unreadCount: value, order });
      },
      onStep: hooks.onLateWriteRepair,
      onFailure: (member, error) => logger.warn({ err: error, groupId: member.groupId, memberAccount: member.memberAccount }, 'late-write repair failed: the member may hold an older value'),
    });
    this.groupTypes = new GroupTypeCache(this.api, settings.groupTypeCacheSize, this.replicas && redisGroupTypes(this.replicas));
    const accountOptions = { perSecond: settings.accountRatePerSecond, burst: settings.accountBurst };
    const accountRate = this.replicas === undefined ? inProcessAccountRate(accountOptions) : redisAccountRate(this.replicas, accountOptions);
    this.setUnreadCount = new SetUnreadCount({ checkGroupType: settings.checkGroupType, ...policy }, this.groupTypes, this.coalescer, accountRate);
  }

  /** True when the IM endpoint is a simulator: asked of a custom base URL once; region hosts are Tencent's. */
  async servedBySimulator(): Promise<boolean> {
    const { target } = this.settings;
    if (target.kind === 'simulator') return true;
    return target.region === undefined ? this.client.servedBySimulator() : false;
  }

  /** Resolves once the shared state is reachable (true), or after `timeoutMs` (false); at once without replicas. */
  async whenReady(timeoutMs: number): Promise<boolean> {
    return this.replicas === undefined ? true : this.replicas.whenReady(timeoutMs);
  }

  /**
   * Undefined when ready to take traffic; otherwise why not: shared state never reached since start (the
   * replica count, and so this replica's share of the budget, is unknown).
   */
  notReadyReason(): string | undefined {
    return this.registry?.everSeen === false ? this.replicas?.notReadyReason() : undefined;
  }

  /** Why the shared state (Redis) is unreachable now; undefined when it is reachable, or not used. */
  sharedStateProblem(): string | undefined {
    return this.replicas?.notReadyReason();
  }

  /** Undefined unless degraded: Redis unreachable after it was reached, so writes fail fast and reads go on at this replica's share. */
  degradedReason(): string | undefined {
    return this.registry?.everSeen === true ? this.replicas?.notReadyReason() : undefined;
  }

  /**
   * A shutdown deadline: no call leaves from now on; resolves once every call already let through is written or
   * ended, so what the coalescer then lists as unsent really was never written.
   */
  stopSending(): Promise<void> {
    return this.gate.close();
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
    this.gate.refuseHeld();
    this.lateWrites.close();
    this.registry?.close();
    await (options.abandon === true ? this.client.destroy() : this.client.close());
    this.replicas?.close();
  }

  /** Tencent counts each REST API's frequency separately, so each command gets its own limiter. */
  private limiterFor(command: ImCommand, onWait: CoreHooks['onLimiterWait']): RateLimiter {
    let limiter = this.limiters.get(command);
    if (limiter === undefined) {
      const options = { callsPerSecond: this.settings.rateLimitPerSecond, maxQueueWaitMs: this.settings.maxQueueWaitMs, onWait, pendingMs: this.settings.timeoutMs };
      const { replicas, registry } = this;
      if (replicas === undefined || registry === undefined) limiter = new PacingRateLimiter(options);
      else {
        const shared = new RedisRateLimiter(replicas, command, options);
        // Reads go on while Redis is unreachable, on this replica's share of the budget; writes fail fast.
        const share = () => new PacingRateLimiter({ ...options, callsPerSecond: Math.max(1, Math.floor(options.callsPerSecond / registry.lastSeen)) });
        limiter = command === ImCommand.SET_UNREAD_MSG_NUM ? shared : new DegradableRateLimiter(shared, share, () => replicas.notReadyReason() !== undefined);
      }
      this.limiters.set(command, limiter);
    }
    return limiter;
  }
}
