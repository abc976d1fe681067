import { GUARD_WINDOW_MS, pacingIntervalMs, pacingToleranceMs, type RateLimiterOptions } from './limiter';
import { QueuedRateLimiter, type Grant, type SendBudget } from './queue';
import { WireWindow } from './wire-window';

/** How soon to look again when every allowed call is granted and none written yet (only after a long stall). */
const UNWRITTEN_RECHECK_MS = 5;

/**
 * This process's budget for one command. Pacing: GCRA at 95 % of the limit with a tolerance of a few calls
 * (`pacingToleranceMs`), whose theoretical arrival time never lags the clock, so there is no catch-up.
 * Hard guard: calls written to the wire in the guard window (counted when undici writes them) plus calls
 * granted and not yet written stay within the limit. O(1) memory in the limit.
 */
export class LocalSendBudget implements SendBudget {
  private readonly intervalMs: number;
  private readonly toleranceMs: number;
  private readonly limit: number;
  private readonly wire = new WireWindow();
  private theoreticalArrival = -Infinity;
  private unwritten = 0;

  constructor(callsPerSecond: number) {
    this.intervalMs = pacingIntervalMs(callsPerSecond);
    this.toleranceMs = pacingToleranceMs(callsPerSecond);
    this.limit = Math.max(1, Math.floor(callsPerSecond));
  }

  take(): Grant | number {
    const now = performance.now();
    const pacingWaitMs = this.theoreticalArrival - this.toleranceMs - now;
    if (pacingWaitMs > 0) return pacingWaitMs;
    if (this.wire.count(now) + this.unwritten >= this.limit) {
      return this.unwritten >= this.limit ? UNWRITTEN_RECHECK_MS : Math.max(1, this.wire.msUntilOldestLeaves(now));
    }
    this.theoreticalArrival = Math.max(this.theoreticalArrival, now) + this.intervalMs;
    this.unwritten += 1;
    return {
      written: (at) => {
        this.unwritten -= 1;
        this.wire.add(at);
      },
      unsent: () => {
        this.unwritten -= 1;
      },
    };
  }

  takeNow(): Grant | undefined {
    const taken = this.take();
    return typeof taken === 'number' ? undefined : taken;
  }

  spacingMs(): number {
    return this.intervalMs;
  }

  /** The pacing's wait, or the guard's when the window is full (a full window of unwritten grants: a whole window). */
  readyInMs(): number {
    const now = performance.now();
    const pacingWaitMs = Math.max(0, this.theoreticalArrival - this.toleranceMs - now);
    if (this.wire.count(now) + this.unwritten < this.limit) return pacingWaitMs;
    return Math.max(pacingWaitMs, this.unwritten >= this.limit ? GUARD_WINDOW_MS : this.wire.msUntilOldestLeaves(now));
  }
}

/** The in-process limiter: one queue over a {@link LocalSendBudget}. */
export class PacingRateLimiter extends QueuedRateLimiter {
  constructor(options: RateLimiterOptions) {
    super(new LocalSendBudget(options.callsPerSecond), options);
  }
}
