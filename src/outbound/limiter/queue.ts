import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_MAX_QUEUE_WAIT_MS } from '../../config/defaults';
import { queueFull } from '../../errors';
import type { RateLimiter, RateLimiterOptions, SendPermit } from './limiter';

/** One send granted by a budget; the queue wraps it into a {@link SendPermit}. */
export interface Grant {
  written(at: number): void;
  /** The grant was never written: give it back. */
  unsent(): void;
}

/** Where grants are decided: this process's clock (memory.ts) or Redis for all replicas (redis.ts). */
export interface SendBudget {
  /** A grant now, or the milliseconds to wait before asking again. Never reserves a future slot. */
  take(): Grant | number | Promise<Grant | number>;
  /** The spacing of grants under load: what one more place in the queue costs, for the refusal's estimate. */
  spacingMs(): number;
  /** How long until the next grant could be taken, as far as this process knows (0: now). */
  readyInMs(): number;
  /** In-process budgets only: a grant right now without waiting, or undefined. */
  takeNow?(): Grant | undefined;
}

interface Waiter {
  enqueuedAt: number;
  resolve: (permit: SendPermit) => void;
  reject: (error: unknown) => void;
}

/**
 * Callers wait in one first-in-first-out queue; a single pump asks the budget for the head's grant and
 * sleeps as long as the budget says. Nothing is reserved ahead, so after a stall (GC pause, CPU starvation,
 * SIGSTOP) the pump resumes at the budget's pace instead of releasing every overdue slot at once. A caller
 * whose estimated wait exceeds the bound is refused at once with RATE_LIMITED and that estimate.
 */
export class QueuedRateLimiter implements RateLimiter {
  private readonly maxQueueWaitMs: number;
  private readonly waiters: Waiter[] = [];
  private head = 0;
  private pumping = false;

  constructor(
    private readonly budget: SendBudget,
    private readonly options: RateLimiterOptions,
  ) {
    if (!(options.callsPerSecond > 0)) throw new RangeError('callsPerSecond must be positive');
    this.maxQueueWaitMs = options.maxQueueWaitMs ?? DEFAULT_MAX_QUEUE_WAIT_MS;
  }

  get queueLength(): number {
    return this.waiters.length - this.head;
  }

  acquire(): Promise<SendPermit> {
    if (this.queueLength === 0 && !this.pumping && this.budget.takeNow !== undefined) {
      // Nobody waiting and an in-process budget: a grant available now skips the queue and the pump.
      const grant = this.budget.takeNow();
      if (grant !== undefined) {
        this.options.onWait?.(0);
        return Promise.resolve(permitOf(grant));
      }
    }
    const estimatedWaitMs = this.estimatedWaitMs();
    if (estimatedWaitMs > this.maxQueueWaitMs) return Promise.reject(queueFull(estimatedWaitMs - this.maxQueueWaitMs));
    return new Promise<SendPermit>((resolve, reject) => {
      this.waiters.push({ enqueuedAt: performance.now(), resolve, reject });
      void this.pump();
    });
  }

  estimatedWaitMs(): number {
    return this.queueLength * this.budget.spacingMs() + this.budget.readyInMs();
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queueLength > 0) {
        let taken: Grant | number;
        try {
          taken = await this.budget.take();
        } catch (error) {
          this.next().reject(error); // e.g. Redis unreachable: this caller learns it, the next one asks again
          continue;
        }
        if (typeof taken === 'number') await sleep(Math.max(1, Math.ceil(taken)));
        else this.grant(this.next(), taken);
      }
    } finally {
      this.pumping = false;
    }
  }

  private next(): Waiter {
    const waiter = this.waiters[this.head++];
    if (this.head > 1024 && this.head * 2 > this.waiters.length) {
      this.waiters.splice(0, this.head);
      this.head = 0;
    }
    return waiter;
  }

  private grant(waiter: Waiter, grant: Grant): void {
    waiter.resolve(permitOf(grant));
    this.options.onWait?.(performance.now() - waiter.enqueuedAt);
  }
}

/** A grant as the caller holds it: written at most once, and handed back if released unwritten. */
function permitOf(grant: Grant): SendPermit {
  let state: 'granted' | 'written' | 'released' = 'granted';
  return {
    written: (at) => {
      if (state !== 'granted') return;
      state = 'written';
      grant.written(at);
    },
    release: () => {
      if (state === 'granted') grant.unsent();
      state = 'released';
    },
  };
}
