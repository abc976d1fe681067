import type { ReplicaConnection } from '../../replicas/redis-connection';
import type { ImCommand } from '../../tencent/commands';
import { DEFAULT_IM_TIMEOUT_MS } from '../../config/defaults';
import { GUARD_WINDOW_MS, pacingIntervalMs, pacingToleranceMs, type RateLimiterOptions } from './limiter';
import { QueuedRateLimiter, type Grant, type SendBudget } from './queue';

/** How much a new observation of the grant spacing moves the estimate used for refusals. */
const SPACING_SMOOTHING = 0.2;

/**
 * The budget every replica shares for one command, kept in Redis by one script on Redis's own clock
 * (TAKE_SEND): the same pacing, tolerance and write-time guard as the in-process one (memory.ts). A grant
 * counts as unwritten until MARK_WRITTEN records its write, or for the IM timeout if this replica dies first.
 */
class RedisSendBudget implements SendBudget {
  private readonly tat: string;
  private readonly sends: string;
  private readonly intervalMs: number;
  private readonly toleranceMs: number;
  private readonly limit: number;
  private sendCounter = 0;
  /** Replicas share the pace: the spacing this one sees under contention, for its refusals' estimate. */
  private observedSpacingMs: number;
  private lastGrantAt?: number;
  private contended = false;

  constructor(
    private readonly connection: ReplicaConnection,
    command: ImCommand,
    callsPerSecond: number,
    private readonly pendingMs = DEFAULT_IM_TIMEOUT_MS,
  ) {
    ({ tat: this.tat, sends: this.sends } = budgetKeys(connection, command));
    this.intervalMs = pacingIntervalMs(callsPerSecond);
    this.toleranceMs = pacingToleranceMs(callsPerSecond);
    this.limit = Math.max(1, Math.floor(callsPerSecond));
    this.observedSpacingMs = this.intervalMs;
  }

  async take(): Promise<Grant | number> {
    const { connection } = this;
    // After a Redis reset the records of recent sends are gone: grant nothing until they would have expired.
    const held = connection.epoch.holdMs('budgetMs');
    if (held > 0) return this.gap(held);
    const id = `${connection.instance}:${this.sendCounter++}`;
    const [granted, waitText] = await connection
      .run(() => connection.redis.takeSend(this.tat, this.sends, this.intervalMs, this.toleranceMs, this.limit, GUARD_WINDOW_MS, this.pendingMs, id))
      .catch((error: unknown) => {
        this.gap(0);
        throw error;
      });
    if (granted !== 1) {
      this.contended = true;
      return Number(waitText);
    }
    this.noteGrant(performance.now());
    return {
      written: () => void connection.redis.markWritten(this.sends, id).catch(() => undefined), // else it counts until pendingMs
      unsent: () => void connection.redis.zrem(this.sends, id).catch(() => undefined),
    };
  }

  spacingMs(): number {
    return this.observedSpacingMs;
  }

  /** Other replicas may take the next slot first: the queue's spacing covers that; nothing known beyond it. */
  readyInMs(): number {
    return 0;
  }

  /**
   * Redis unreachable, or a hold after a reset: no grant was possible, so the time until the next one says
   * nothing of the other replicas' pace (an outage of seconds would make every refusal's estimate seconds per
   * place in the queue). The next grant starts the measure again.
   */
  private gap<T>(value: T): T {
    this.lastGrantAt = undefined;
    return value;
  }

  private noteGrant(now: number): void {
    if (this.contended && this.lastGrantAt !== undefined) {
      const sample = Math.max(this.intervalMs, now - this.lastGrantAt);
      this.observedSpacingMs += SPACING_SMOOTHING * (sample - this.observedSpacingMs);
    } else {
      this.observedSpacingMs = this.intervalMs;
    }
    this.lastGrantAt = now;
    this.contended = false;
  }
}

/** A command's shared budget: its GCRA time and its sorted set of sends, in one Cluster slot (TAKE_SEND uses both). */
export function budgetKeys(connection: ReplicaConnection, command: ImCommand): { tat: string; sends: string } {
  return { tat: connection.key(`rl:${command}`, 'tat'), sends: connection.key(`rl:${command}`, 'sends') };
}

/** The limiter replicas share: one queue per process over a {@link RedisSendBudget}. */
export class RedisRateLimiter extends QueuedRateLimiter {
  constructor(connection: ReplicaConnection, command: ImCommand, options: RateLimiterOptions & { pendingMs?: number }) {
    super(new RedisSendBudget(connection, command, options.callsPerSecond, options.pendingMs), options);
  }
}
