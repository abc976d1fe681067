import { Cluster, type Redis } from 'ioredis';
import type { Logger } from 'pino';

/** While the check after a (re)connect is under way, a shared send looks again this soon. */
const VERIFYING_POLL_MS = 10;

/** How long shared sends hold after Redis turns out to be another server than before. */
export interface ResetHolds {
  /**
   * Member claims: the longest a call made under a lease the reset erased can still be running or landing
   * (its retries, its timeout, and the window an abandoned call may still land in).
   */
  membersMs: number;
  /** The shared budget: long enough that every send the lost records counted has left IM's window. */
  budgetMs: number;
}

/** What shared sends may hold for: member claims, or the shared budget of calls per second. */
export type HoldKind = keyof ResetHolds;

/** The reset marker as the RESET_MARKER script answers: when the last reset was marked, and Redis's now (ms, as text). */
type MarkerReply = [string | null, string];

export interface StateEpochOptions {
  redis: Redis | Cluster;
  /** The marker key (RESET_MARKER), so a replica that starts during a hold keeps it too. */
  markerKey: string;
  mark: (key: string, action: 'mark' | 'read', holdMs: number) => Promise<MarkerReply>;
  holds: ResetHolds;
  logger: Logger;
  /** Each reset this replica detected, for metrics. */
  onReset?: () => void;
}

/**
 * Whether Redis still holds what the replicas wrote. Each time the connection is (re)established the
 * server's `run_id` is asked: a different one is a restart (empty, without persistence) or a failover (a
 * promoted replica may miss the last writes). Leases and send records may then be gone while calls made
 * under them are still on their way to IM, so this replica holds member claims and budget grants for
 * {@link ResetHolds}, and marks the reset in Redis so that replicas starting meanwhile hold too. Sequence
 * numbers need no hold: they come from Redis's clock (scripts.ts, SUBMIT_UPDATE).
 * A connection that drops and returns to the same server (a network blip) holds nothing.
 *
 * On a Cluster the servers are its masters: every change in the client's nodes (one gone, one added, a slot
 * map naming other masters) makes shared sends wait while every master's `run_id` is asked again, and any
 * master not seen as one before (a promoted replica, a node restarted) is a reset. The client follows no
 * redirect by itself (redis-connection.ts), so a command reaches a new master only after this check.
 */
export class StateEpoch {
  /** The run_ids of the servers (a Cluster's masters) last checked; undefined when unknown. */
  private runIds?: Set<string>;
  /** A Cluster's master addresses when last checked: a slot map naming others means a new check. */
  private checkedMasters = '';
  /** A connection was made before this one: a reconnect may reach another server. */
  private connectedBefore = false;
  /** Bumped on every close: a check that finishes after a newer close is stale. */
  private generation = 0;
  private verified = false;
  private readonly holdUntil: Record<HoldKind, number> = { membersMs: 0, budgetMs: 0 };

  constructor(private readonly options: StateEpochOptions) {
    const { redis } = options;
    redis.on('close', () => this.invalidate());
    redis.on('ready', () => void this.check(this.generation));
    if (redis instanceof Cluster) {
      const recheck = () => {
        if (redis.status !== 'ready') return; // the first 'ready' checks
        this.invalidate();
        void this.check(this.generation);
      };
      redis.on('+node', recheck);
      redis.on('-node', recheck);
      redis.on('refresh', () => {
        if (masterAddresses(redis) !== this.checkedMasters) recheck();
      });
    }
  }

  /** What was checked no longer holds: shared sends wait for the next check, and a check under way is stale. */
  private invalidate(): void {
    this.generation += 1;
    this.verified = false;
  }

  /**
   * Milliseconds a shared send of `kind` must wait before it may go (0: go now). While Redis is unreachable
   * it answers 0, so the send's own command fails fast (IM_UNAVAILABLE) instead of waiting.
   */
  holdMs(kind: HoldKind): number {
    if (this.options.redis.status !== 'ready') return 0;
    if (!this.verified) return VERIFYING_POLL_MS;
    return Math.max(0, this.holdUntil[kind] - Date.now());
  }

  private async check(generation: number): Promise<void> {
    const { redis, markerKey, mark, holds, logger } = this.options;
    const first = !this.connectedBefore;
    this.connectedBefore = true;
    try {
      const masters = redis instanceof Cluster ? masterAddresses(redis) : '';
      const runIds = await serverRunIds(redis);
      // After the first connection, a reconnect counts as a possible reset unless it reaches the servers seen
      // before: without a run_id (a proxy that hides it), or with none known yet (an earlier check that did
      // not finish), it does.
      const known = this.runIds;
      const changed = !first && (runIds === undefined || known === undefined || runIds.some((id) => !known.has(id)));
      const [resetAt, now] = await mark(markerKey, changed ? 'mark' : 'read', holds.membersMs);
      if (generation !== this.generation) return;
      this.runIds = runIds === undefined ? undefined : new Set(runIds);
      this.checkedMasters = masters;
      if (resetAt !== null) {
        const sinceReset = Number(now) - Number(resetAt);
        for (const kind of Object.keys(holds) as HoldKind[]) {
          this.holdUntil[kind] = Math.max(this.holdUntil[kind], Date.now() + holds[kind] - sinceReset);
        }
      }
      this.verified = true;
      if (changed) {
        this.options.onReset?.();
        logger.warn(
          { holdMembersMs: holds.membersMs, holdBudgetMs: holds.budgetMs },
          'SHARED STATE RESET: Redis is another server than before (restart or failover); recent leases and send records may be lost, so writes hold until calls made under them can no longer land',
        );
      }
    } catch (error) {
      // The connection went again mid-check: the next 'ready' checks anew. Anything else (INFO refused):
      // assume the worst once, hold, and go on.
      if (generation !== this.generation || redis.status !== 'ready') return;
      // E.g. READONLY: a failover's new master not promoted yet. Hold as after a reset, and say so.
      for (const kind of Object.keys(holds) as HoldKind[]) this.holdUntil[kind] = Math.max(this.holdUntil[kind], Date.now() + holds[kind]);
      this.verified = true;
      this.runIds = undefined; // the next check compares with nothing: a reconnect then counts as a reset again
      if (first) {
        logger.error({ err: error }, 'could not tell whether Redis was reset (its check failed): holding writes as after a reset');
        return;
      }
      this.options.onReset?.();
      logger.warn({ err: error, holdMembersMs: holds.membersMs, holdBudgetMs: holds.budgetMs }, 'SHARED STATE RESET assumed: Redis could not be checked after a reconnect (e.g. a failover under way); writes hold as after a reset');
    }
  }
}

/** The run_id of the server, or of every master of a Cluster; undefined when one is not told (a proxy that hides it). */
async function serverRunIds(redis: Redis | Cluster): Promise<string[] | undefined> {
  const servers = redis instanceof Cluster ? redis.nodes('master') : [redis];
  const runIds = await Promise.all(servers.map(async (server) => /^run_id:(\w+)/m.exec(await server.info('server'))?.[1]));
  return runIds.every((id): id is string => id !== undefined) ? runIds : undefined;
}

/** The masters a Cluster client sends to now, as one comparable text. */
function masterAddresses(cluster: Cluster): string {
  return cluster
    .nodes('master')
    .map((node) => `${node.options.host}:${node.options.port}`)
    .sort()
    .join(',');
}
