import type { ReplicaConnection } from './redis-connection';

/** How often a replica says it is alive, and how long a replica counts without saying so. */
const HEARTBEAT_MS = 3_000;
const SEEN_FOR_MS = 10_000;

/**
 * The replicas sharing this Redis, counted by heartbeat (a sorted set scored by each one's expiry, on
 * Redis's clock), so that while Redis is unreachable each replica can read on its share of IM's budget:
 * the limit divided by the replicas last seen.
 */
export class ReplicaRegistry {
  private seen = 1;
  /** A heartbeat has answered since start: the count means something. */
  everSeen = false;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly connection: ReplicaConnection) {
    this.timer = setInterval(() => void this.beat(), HEARTBEAT_MS);
    this.timer.unref();
    connection.redis.on('ready', () => void this.beat());
  }

  /** Replicas seen at the last heartbeat (this one included); 1 before any. */
  get lastSeen(): number {
    return this.seen;
  }

  close(): void {
    clearInterval(this.timer);
  }

  private async beat(): Promise<void> {
    const { redis, instance } = this.connection;
    try {
      this.seen = Math.max(1, await redis.heartbeat(this.connection.key('replicas', 'alive'), instance, SEEN_FOR_MS));
      this.everSeen = true;
    } catch {
      // Unreachable: keep the last count (that is when it is needed).
    }
  }
}
