import { setTimeout as sleep } from 'node:timers/promises';
import { queueFull } from '../../errors';
import type { ReplicaConnection } from '../../replicas/redis-connection';
import type { ImCommand } from '../../tencent/commands';
import { DEFAULT_MAX_QUEUE_WAIT_MS } from '../../config/defaults';
import { pacingIntervalMs, WINDOW_MS, type RateLimiter, type RateLimiterOptions } from './limiter';

/** A send grant that takes longer than this to arrive is stale: at 95 % pacing the window has ~50 ms of slack. */
const STALE_GRANT_MS = 25;

/**
 * A limiter shared by every replica for one IM command: the same pacing and hard guard as the in-process
 * one (memory.ts), kept in Redis by two scripts on Redis's own clock (RESERVE_SLOT, RECORD_SEND).
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly tat: string;
  private readonly sends: string;
  private readonly intervalMs: number;
  private readonly limit: number;
  private readonly maxQueueWaitMs: number;
  private sendCounter = 0;
  private waiting = 0;

  constructor(
    private readonly connection: ReplicaConnection,
    command: ImCommand,
    private readonly options: RateLimiterOptions,
  ) {
    this.tat = connection.key(`rl:${command}`, 'tat');
    this.sends = connection.key(`rl:${command}`, 'sends');
    this.intervalMs = pacingIntervalMs(options.callsPerSecond);
    this.limit = Math.floor(options.callsPerSecond);
    this.maxQueueWaitMs = options.maxQueueWaitMs ?? DEFAULT_MAX_QUEUE_WAIT_MS;
  }

  get queueLength(): number {
    return this.waiting;
  }

  async acquire(): Promise<void> {
    const { connection } = this;
    const startedAt = performance.now();
    this.waiting += 1;
    try {
      for (;;) {
        const [granted, waitText] = await connection.run(() => connection.redis.reserveSlot(this.tat, this.intervalMs, this.maxQueueWaitMs));
        const waitMs = Number(waitText);
        if (granted !== 1) throw queueFull(waitMs - this.maxQueueWaitMs);
        if (waitMs >= 1) await sleep(waitMs);
        // Hard guard: stalled processes send late and bunch; never more than the limit in any window.
        const askedAt = performance.now();
        const id = `${connection.instance}:${this.sendCounter++}`;
        const freeInMs = Number(await connection.run(() => connection.redis.recordSend(this.sends, this.limit, WINDOW_MS, id)));
        // A grant that took long to reach us (this process stalled) was recorded too early for when the call
        // really leaves: take a new paced slot and record again (the early entry stays: erring on the safe side).
        if (freeInMs <= 0 && performance.now() - askedAt <= STALE_GRANT_MS) break;
        if (freeInMs <= 0) continue;
        if (performance.now() - startedAt + freeInMs > this.maxQueueWaitMs) throw queueFull(freeInMs);
        // Wait for room, then take a new paced slot: waking every blocked caller at once would echo the bunch.
        await sleep(Math.ceil(freeInMs));
      }
    } finally {
      this.waiting -= 1;
    }
    this.options.onWait?.(performance.now() - startedAt);
  }
}
