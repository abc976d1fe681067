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
    const waitMs = this.waitMs(now, UNWRITTEN_RECHECK_MS);
    if (waitMs > 0) return waitMs;
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

  /** For a refusal's estimate: a window full of unwritten grants will hold a whole guard window once written. */
  readyInMs(): number {
    return this.waitMs(performance.now(), GUARD_WINDOW_MS);
  }

  /**
   * The pacing's wait, or the hard guard's when the window is full; `allUnwrittenMs` when every allowed call
   * is granted and none written yet (the pump looks again soon; an estimate counts a whole window).
   */
  private waitMs(now: number, allUnwrittenMs: number): number {
    const pacingWaitMs = this.theoreticalArrival - this.toleranceMs - now;
    if (this.wire.count(now) + this.unwritten < this.limit) return Math.max(0, pacingWaitMs);
    return Math.max(pacingWaitMs, this.unwritten >= this.limit ? allUnwrittenMs : Math.max(1, this.wire.msUntilOldestLeaves(now)));
  }
}

/** The in-process limiter: one queue over a {@link LocalSendBudget}. */
export class PacingRateLimiter extends QueuedRateLimiter {
  constructor(options: RateLimiterOptions) {
    super(new LocalSendBudget(options.callsPerSecond), options);
  }
}
