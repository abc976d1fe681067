import { setTimeout as sleep } from 'node:timers/promises';
import type { ImCall, ImCommand } from './client';
import { GatewayErrorCode } from './error-codes';
import { ImError } from './im-error';

/** Default 200: Tencent's limit for set_unread_msg_num per app, which cannot be raised. */
export const DEFAULT_RATE_LIMIT_PER_SECOND = 200;
/** Pace at 95 % of the limit: network jitter bunches calls up on the way to Tencent. */
export const RATE_LIMIT_HEADROOM = 0.95;
/** Default 10 s: how long a call may wait for its slot before it is refused with RATE_LIMITED. */
export const DEFAULT_MAX_QUEUE_WAIT_MS = 10_000;

/** The limit is per any one-second window. */
export const WINDOW_MS = 1000;

/** Grants permission for one outbound call. Implementations: in-process here, shared in Redis elsewhere. */
export interface RateLimiter {
  /** Resolves when the call may go out; rejects with RATE_LIMITED when the wait would be too long. */
  acquire(): Promise<void>;
  /** Callers waiting for a slot now. */
  readonly queueLength: number;
}

export interface PacingRateLimiterOptions {
  /** Calls allowed in any one-second window. */
  callsPerSecond: number;
  /** Default {@link DEFAULT_MAX_QUEUE_WAIT_MS}. */
  maxQueueWaitMs?: number;
  /** Reports each granted call's wait, for metrics. */
  onWait?: (waitMs: number) => void;
}

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

  constructor(private readonly options: PacingRateLimiterOptions) {
    if (!(options.callsPerSecond > 0)) throw new RangeError('callsPerSecond must be positive');
    this.intervalMs = WINDOW_MS / (options.callsPerSecond * RATE_LIMIT_HEADROOM);
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
    if (waitMs > this.maxQueueWaitMs) throw queueRefusal(waitMs - this.maxQueueWaitMs);
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

/** RATE_LIMITED from the gateway's own queue: the wait for a slot would exceed IM_MAX_QUEUE_WAIT_MS. No IM call was made. */
export function queueRefusal(retryAfterMs: number): ImError {
  return new ImError({
    code: GatewayErrorCode.RATE_LIMITED,
    retryable: true,
    message: 'Too many updates queued for IM; retry later',
    retryAfterMs: Math.ceil(retryAfterMs),
    refusedBeforeCall: true,
  });
}

/** Wraps a call so that every call of a command first takes a slot from that command's limiter. */
export function withRateLimit(call: ImCall, limiterFor: (command: ImCommand) => RateLimiter): ImCall {
  return async (command, body) => {
    await limiterFor(command).acquire();
    return call(command, body);
  };
}
