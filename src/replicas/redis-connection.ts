import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import Redis, { type RedisOptions } from 'ioredis';
import type { RedisTopology } from '../config/config';
import type { Logger } from 'pino';
import { GatewayError, sharedStateUnavailable } from '../errors';
import { CLAIM_MEMBER, HEARTBEAT, MARK_WRITTEN, RELEASE_MEMBER, RENEW_LEASE, RESERVE_SLOT, RESET_MARKER, RESTAMP_APPLIED, SUBMIT_UPDATE, TAKE_SEND } from './scripts';
import { StateEpoch, type ResetHolds } from './state-epoch';
import { LeaseReleases } from './lease-releases';

/** A Redis command that takes longer than this fails (the update then fails as retryable). */
const REDIS_COMMAND_TIMEOUT_MS = 1000;

/** The Lua scripts as commands (scripts.ts says what each does). */
export interface ReplicaScripts {
  reserveSlot(tat: string, intervalMs: number, maxWaitMs: number): Promise<[number, string]>;
  takeSend(tat: string, sends: string, intervalMs: number, toleranceMs: number, limit: number, windowMs: number, pendingMs: number, id: string): Promise<[number, string]>;
  markWritten(sends: string, id: string): Promise<number>;
  submitUpdate(member: string, value: number, ttlMs: number): Promise<number>;
  restampApplied(member: string, value: number, ttlMs: number): Promise<number>;
  claimMember(member: string, lease: string, seq: number, token: string, leaseMs: number, value: number, ttlMs: number): Promise<[number, number | string | null, string | null]>;
  releaseMember(member: string, lease: string, token: string, appliedSeq: number | '', appliedValue: number | '', holdMs: number, ttlMs: number, channel: string): Promise<number>;
  renewLease(lease: string, token: string, leaseMs: number): Promise<number>;
  resetMarker(marker: string, action: 'mark' | 'read', holdMs: number): Promise<[string | null, string]>;
  heartbeat(replicas: string, instance: string, seenForMs: number): Promise<number>;
}

export interface ReplicaConnectionOptions {
  /** One instance by URL, or the master Sentinels name (ioredis asks them, and follows the master across failovers). */
  topology: RedisTopology;
  /** Keys start with this; one Redis can serve several apps. */
  keyPrefix: string;
  logger: Logger;
  /** How long shared sends hold after Redis turns out to be another server (state-epoch.ts). */
  resetHolds: ResetHolds;
  /** Each reset this replica detected, for metrics. */
  onReset?: () => void;
  /** Each command sent to Redis (a script call counts once), for metrics: what the shared state costs per update. */
  onCommand?: () => void;
}

/**
 * The one Redis connection replicas share their state through (ioredis), with the Lua scripts loaded. Its
 * users — the shared rate limiter, member ordering and group types — live with what they coordinate. When
 * Redis is unreachable every command fails as retryable IM_UNAVAILABLE — never a silent fallback to private
 * limits — and the connection comes back by itself.
 */
export class ReplicaConnection {
  readonly redis: Redis & ReplicaScripts;
  /** Unique per process, for send records and leases. */
  readonly instance = randomUUID();
  /** Whether Redis may have lost recent writes, and so how long shared sends hold. */
  readonly epoch: StateEpoch;
  /** Wakes updates waiting for a member's lease when it is released. */
  readonly leaseReleases: LeaseReleases;
  private down = false;

  constructor(private readonly options: ReplicaConnectionOptions) {
    const common: RedisOptions = {
      // Fail at once while disconnected instead of queueing: an update must not hang on a dead Redis.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
      retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
      connectionName: 'im-graphql-gateway',
    };
    const { topology } = options;
    const redis =
      topology.kind === 'single'
        ? new Redis(topology.url, common)
        : new Redis({
            ...common,
            sentinels: topology.sentinels,
            name: topology.masterName,
            sentinelPassword: topology.sentinelPassword,
            password: topology.password,
            // A failover is noticed at once (the Sentinels' +switch-master), not at the next failed command.
            failoverDetector: true,
            sentinelRetryStrategy: (attempt) => Math.min(attempt * 100, 2000),
          });
    const scripts: Array<[keyof ReplicaScripts, number, string]> = [
      ['reserveSlot', 1, RESERVE_SLOT],
      ['takeSend', 2, TAKE_SEND],
      ['markWritten', 1, MARK_WRITTEN],
      ['submitUpdate', 1, SUBMIT_UPDATE],
      ['restampApplied', 1, RESTAMP_APPLIED],
      ['claimMember', 2, CLAIM_MEMBER],
      ['releaseMember', 2, RELEASE_MEMBER],
      ['renewLease', 1, RENEW_LEASE],
      ['resetMarker', 1, RESET_MARKER],
      ['heartbeat', 1, HEARTBEAT],
    ];
    for (const [name, numberOfKeys, lua] of scripts) redis.defineCommand(name, { numberOfKeys, lua });
    redis.on('error', (error: Error) => {
      if (this.down) return; // once per outage; reconnects are retried quietly
      this.down = true;
      options.logger.error({ err: error, redis: describe(topology) }, 'REDIS UNREACHABLE: updates fail as IM_UNAVAILABLE (retryable); reads go on, each replica on its share of the budget; /readyz says degraded until it returns');
    });
    redis.on('ready', () => {
      if (this.down) options.logger.warn({ redis: describe(topology) }, 'Redis connection restored: shared limits and member ordering are back');
      this.down = false;
    });
    this.redis = redis as Redis & ReplicaScripts;
    const { onCommand } = options;
    if (onCommand !== undefined) {
      const send = redis.sendCommand.bind(redis);
      redis.sendCommand = (...args: Parameters<typeof send>) => {
        onCommand();
        return send(...args);
      };
    }
    this.leaseReleases = new LeaseReleases(redis, this.key('leases', 'released'));
    this.epoch = new StateEpoch({
      redis,
      markerKey: this.key('epoch', 'reset'),
      mark: (key, action, holdMs) => this.redis.resetMarker(key, action, holdMs),
      holds: options.resetHolds,
      logger: options.logger,
      onReset: options.onReset,
    });
  }

  /** Undefined when ready; otherwise why not (for /readyz). */
  notReadyReason(): string | undefined {
    return this.redis.status === 'ready' ? undefined : `shared state (Redis) is ${this.redis.status}`;
  }

  /** Resolves once connected, or after `timeoutMs` (the gateway starts anyway and reports not ready). */
  async whenReady(timeoutMs: number): Promise<boolean> {
    if (this.redis.status === 'ready') return true;
    return Promise.race([new Promise<boolean>((resolve) => this.redis.once('ready', () => resolve(true))), sleep(timeoutMs, false, { ref: false })]);
  }

  /** Any Redis failure becomes the one retryable error; the gateway never falls back to private limits. */
  async run<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      if (error instanceof GatewayError) throw error;
      throw sharedStateUnavailable(error);
    }
  }

  /** A key under the prefix; the hash tag keeps each script's keys in one slot on Redis Cluster. */
  key(tag: string, suffix: string): string {
    return `${this.options.keyPrefix}{${tag}}:${suffix}`;
  }

  close(): void {
    this.leaseReleases.close();
    this.redis.disconnect();
  }
}

/** Where Redis is, for logs: the URL without its password, or the master name and its Sentinels. */
function describe(topology: RedisTopology): string {
  return topology.kind === 'single' ? redactedUrl(topology.url) : `Sentinel master ${topology.masterName} via ${topology.sentinels.map(({ host, port }) => `${host}:${port}`).join(',')}`;
}

function redactedUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = '***';
  return parsed.toString();
}
