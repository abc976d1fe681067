import { setTimeout as sleep } from 'node:timers/promises';
import { queueFull } from '../../errors';
import { DEFAULT_MAX_QUEUE_WAIT_MS } from '../../config/defaults';
import { pacingIntervalMs, WINDOW_MS, type RateLimiter, type RateLimiterOptions } from './limiter';

/**
 * Spaces calls evenly at 95 % of the limit (virtual scheduling: each caller reserves the next free slot),
 * and, as a hard guard, never lets more than the limit go out within any 1000 ms by its own clock even
 * when timers fire late and bunch calls up. Waiting is bounded, so memory is bounded whatever the load.
 */
export class PacingRateLimiter implements RateLimiter {
  private readonly intervalMs: number;
  private readonly maxQueueWaitMs: number;
  private readonly recentSends: number[];
  private recentIndex = 0;
  private nextSlotAt = 0;
  private waiting = 0;

  constructor(private readonly options: RateLimiterOptions) {
    if (!(options.callsPerSecond > 0)) throw new RangeError('callsPerSecond must be positive');
    this.intervalMs = pacingIntervalMs(options.callsPerSecond);
    this.maxQueueWaitMs = options.maxQueueWaitMs ?? DEFAULT_MAX_QUEUE_WAIT_MS;
    this.recentSends = new Array<number>(Math.max(1, Math.floor(options.callsPerSecond))).fill(-Infinity);
  }

  get queueLength(): number {
    return this.waiting;
  }

  async acquire(): Promise<void> {
    const startedAt = performance.now();
    const slot = Math.max(startedAt, this.nextSlotAt);
    const waitMs = slot - startedAt;
    if (waitMs > this.maxQueueWaitMs) throw queueFull(waitMs - this.maxQueueWaitMs);
    this.nextSlotAt = slot + this.intervalMs;
    this.waiting += 1;
    try {
      if (waitMs >= 1) await sleep(waitMs);
      // Hard guard: the call `limit` sends ago must be at least a window old.
      for (;;) {
        const oldest = this.recentSends[this.recentIndex];
        const freeInMs = oldest + WINDOW_MS - performance.now();
        if (freeInMs <= 0) break;
        await sleep(Math.ceil(freeInMs));
      }
      this.recentSends[this.recentIndex] = performance.now();
      this.recentIndex = (this.recentIndex + 1) % this.recentSends.length;
    } finally {
      this.waiting -= 1;
    }
    this.options.onWait?.(performance.now() - startedAt);
  }
}
