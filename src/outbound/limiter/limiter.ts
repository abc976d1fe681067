/** Pace at 95 % of the limit: the rest absorbs network jitter and the guard's rounding (docs/architecture.md). */
const RATE_LIMIT_HEADROOM = 0.95;
/** The limit is per any one-second window. */
export const WINDOW_MS = 1000;
/**
 * The hard guard counts writes over a window this much longer than a second: IM may count a window a
 * little shorter than a second, and network jitter bunches calls up on the way.
 */
export const WIRE_MARGIN_MS = 50;
/** The most calls paced grants may release at once (GCRA's tolerance): a stall never releases a backlog. */
export const PACING_BURST = 3;
/**
 * The tolerance is never below this: a timer cannot wake a waiting pump much sooner, so at high rates (a
 * benchmark lifting the limit to 10,000/s) a tolerance of 3 intervals (0.3 ms) would cap throughput at the
 * timer's pace. At IM's 200/s the 3 calls (10.5 ms) are the larger.
 */
const MIN_TOLERANCE_MS = 4;

/** GCRA's tolerance for a rate: {@link PACING_BURST} calls, or {@link MIN_TOLERANCE_MS} at high rates. */
export function pacingToleranceMs(callsPerSecond: number): number {
  return Math.max((PACING_BURST - 1) * pacingIntervalMs(callsPerSecond), MIN_TOLERANCE_MS);
}

/** Permission for one call: the limiter counts it as unsent until the client says it was written. */
export interface SendPermit {
  /** The request was written to the socket at `at` (`performance.now()`): from then on it counts as sent. */
  written(at: number): void;
  /** The call ended; a permit never written is handed back. */
  release(): void;
}

/** Grants permission for one outbound call. Implementations: in-process (memory.ts) and shared by replicas (redis.ts). */
export interface RateLimiter {
  /** Resolves when the call may go out; rejects with RATE_LIMITED when the wait would be too long. */
  acquire(): Promise<SendPermit>;
  /** Callers waiting for a permit now. */
  readonly queueLength: number;
  /** How long a call asking now would wait for its permit, as far as this process can tell (0: at once). */
  estimatedWaitMs(): number;
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

/** The window the hard guard counts writes over. */
export const GUARD_WINDOW_MS = WINDOW_MS + WIRE_MARGIN_MS;
