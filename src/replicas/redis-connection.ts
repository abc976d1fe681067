import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import Redis, { Cluster, type RedisOptions } from 'ioredis';
import type { RedisNode, RedisTopology } from '../config/shared-state';
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
  /**
   * One instance by URL; the master Sentinels name (ioredis asks them, and follows the master across
   * failovers); or a Cluster's nodes (ioredis learns the slots and follows failovers).
   */
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
  readonly redis: (Redis | Cluster) & ReplicaScripts;
  /** Unique per process, for send records and leases. */
  readonly instance = randomUUID();
  /** Whether Redis may have lost recent writes, and so how long shared sends hold. */
  readonly epoch: StateEpoch;
  /** Wakes updates waiting for a member's lease when it is released. */
  readonly leaseReleases: LeaseReleases;
  private down = false;
  private closed = false;

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
    // A connection of ours that ioredis gives up connects again (connectAgainWhenEnded); a Cluster client retries by itself.
    const keepConnecting = (client: Redis) => connectAgainWhenEnded(client, () => this.closed);
    const redis = topology.kind === 'cluster' ? clusterClient(topology, common) : keepConnecting(singleOrSentinel(topology, common));
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
    this.redis = redis as (Redis | Cluster) & ReplicaScripts;
    const { onCommand } = options;
    if (onCommand !== undefined) {
      // Both clients' sendCommand: a Cluster's takes the node as well; the arguments pass through untouched.
      const client = redis as unknown as { sendCommand: (...args: unknown[]) => unknown };
      const send = client.sendCommand.bind(client);
      client.sendCommand = (...args: unknown[]) => {
        onCommand();
        return send(...args);
      };
    }
    this.leaseReleases = new LeaseReleases(
      () => (redis instanceof Cluster ? redis.duplicate(undefined, { enableOfflineQueue: true }) : keepConnecting(redis.duplicate({ enableOfflineQueue: true, lazyConnect: false }))),
      this.key('leases', 'released'),
    );
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
      // A Cluster's command failed (a node gone, a slot moved): learn the slots again; follow no redirect (clusterClient).
      if (this.redis instanceof Cluster) this.redis.refreshSlotsCache();
      throw sharedStateUnavailable(error);
    }
  }

  /** A key under the prefix; the hash tag keeps each script's keys in one slot on Redis Cluster. */
  key(tag: string, suffix: string): string {
    return `${this.options.keyPrefix}{${tag}}:${suffix}`;
  }

  close(): void {
    this.closed = true;
    this.leaseReleases.close();
    this.redis.disconnect();
  }
}

/** A connection to one instance, or to the master a set of Sentinels names. */
function singleOrSentinel(topology: Exclude<RedisTopology, { kind: 'cluster' }>, common: RedisOptions): Redis {
  if (topology.kind === 'single') return new Redis(topology.url, common);
  return new Redis({
    ...common,
    sentinels: topology.sentinels,
    name: topology.masterName,
    sentinelPassword: topology.sentinelPassword,
    password: topology.password,
    // A failover is noticed at once (the Sentinels' +switch-master), not at the next failed command.
    failoverDetector: true,
    sentinelRetryStrategy: (attempt) => Math.min(attempt * 100, 2000),
    // TLS to the Sentinels and to the master they name.
    ...(topology.tls ? { tls: {}, sentinelTLS: {}, enableTLSForSentinelMode: true } : {}),
  });
}

/** How long an ended connection waits before it connects again (connectAgainWhenEnded). */
const CONNECT_AGAIN_AFTER_MS = 500;

/**
 * ioredis gives a connection up for good ('end') when its connector fails while connecting instead of
 * retrying. With Sentinels that happens on a failover: the +switch-master message makes the failover
 * detector close the connector, and a connect under way at that moment (asking a Sentinel for the master)
 * then fails, so the client never reaches the new master; on a busy machine the Sentinel drill lost both
 * gateways' connections this way (the same symptom as redis/ioredis#1683). A connection this gateway did not
 * close connects again instead.
 */
function connectAgainWhenEnded(redis: Redis, closedByUs: () => boolean): Redis {
  redis.on('end', () => {
    if (closedByUs()) return;
    setTimeout(() => {
      if (!closedByUs() && redis.status === 'end') redis.connect().catch(() => undefined); // failures go on through 'error' and 'end'
    }, CONNECT_AGAIN_AFTER_MS).unref();
  });
  return redis;
}

/** How often a Cluster client asks for the slots unprompted (a failed command also asks at once). */
const CLUSTER_SLOTS_REFRESH_MS = 1000;

/**
 * A Redis Cluster client that fails fast like the single connection and follows no redirect by itself: a
 * command only ever reaches the node the slot map names, and the slot map only changes on a refresh, which
 * StateEpoch watches — so no command reaches a newly promoted master before its state was checked. It also
 * stops ioredis from sending a timed-out command again when a late MOVED reply arrives (an update the
 * caller was told failed must not be stamped afterwards).
 */
function clusterClient({ nodes, password, tls }: Extract<RedisTopology, { kind: 'cluster' }>, common: RedisOptions): Cluster {
  return new Cluster(nodes, {
    // TLS: each node's certificate must name the address the Cluster announces for it (CLUSTER SLOTS).
    redisOptions: { ...common, password, tls: tls ? {} : undefined },
    enableOfflineQueue: false,
    scaleReads: 'master',
    maxRedirections: 0,
    retryDelayOnFailover: 0,
    retryDelayOnClusterDown: 0,
    retryDelayOnTryAgain: 0,
    slotsRefreshInterval: CLUSTER_SLOTS_REFRESH_MS,
    clusterRetryStrategy: (attempt) => Math.min(attempt * 100, 2000),
  });
}

/** Where Redis is, for logs: the URL without its password, the master name and its Sentinels, or the Cluster's nodes. */
function describe(topology: RedisTopology): string {
  if (topology.kind === 'single') return redactedUrl(topology.url);
  if (topology.kind === 'cluster') return `Cluster via ${addresses(topology.nodes)}`;
  return `Sentinel master ${topology.masterName} via ${addresses(topology.sentinels)}`;
}

function addresses(nodes: RedisNode[]): string {
  return nodes.map(({ host, port }) => `${host}:${port}`).join(',');
}

function redactedUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = '***';
  return parsed.toString();
}
