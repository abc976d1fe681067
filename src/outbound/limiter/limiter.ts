/** Pace at 95 % of the limit: network jitter bunches calls up on the way to Tencent. */
const RATE_LIMIT_HEADROOM = 0.95;
/** The limit is per any one-second window. */
export const WINDOW_MS = 1000;

/** Grants permission for one outbound call. Implementations: in-process (memory.ts) and shared by replicas (redis.ts). */
export interface RateLimiter {
  /** Resolves when the call may go out; rejects with RATE_LIMITED when the wait would be too long. */
  acquire(): Promise<void>;
  /** Callers waiting for a slot now. */
  readonly queueLength: number;
}

export interface RateLimiterOptions {
  /** Calls allowed in any one-second window. */
  callsPerSecond: number;
  /** Default {@link DEFAULT_MAX_QUEUE_WAIT_MS}. */
  maxQueueWaitMs?: number;
  /** Reports each granted call's wait, for metrics. */
  onWait?: (waitMs: number) => void;
}

/** The spacing between paced calls: the limit with its headroom. */
export function pacingIntervalMs(callsPerSecond: number): number {
  return WINDOW_MS / (callsPerSecond * RATE_LIMIT_HEADROOM);
}
