import { setTimeout as sleep } from 'node:timers/promises';

/**
 * How long after an abandoned request was written IM might still apply it. Tencent's server gives up after
 * about 3 s of processing; 2 s more cover a request held up on the way before IM started on it. The
 * assumption behind "the last value wins" after a timeout: IM never applies a request older than this.
 */
export const ABANDONED_CALL_LIFETIME_MS = 5000;
/** Past this many members on hold, expired entries are swept when a new one is added. */
const SWEEP_ABOVE = 1024;

/**
 * The members whose last call was written and then abandoned (a timeout, a reset, a proxy's 502): IM may
 * still apply it, so the member's next call waits until it no longer can, and then carries the latest value.
 * Times are `performance.now()`.
 */
export class AbandonedCalls {
  private readonly safeAt = new Map<string, number>();

  constructor(private readonly lifetimeMs = ABANDONED_CALL_LIFETIME_MS) {}

  /** A call for this member, written at `writtenAt`, was given up without an answer. */
  abandoned(memberKey: string, writtenAt: number): void {
    if (this.safeAt.size > SWEEP_ABOVE) this.sweep();
    this.safeAt.set(memberKey, Math.max(this.safeAt.get(memberKey) ?? 0, writtenAt + this.lifetimeMs));
  }

  /** Milliseconds until no abandoned call of this member can land any more (0: none can). */
  remainingMs(memberKey: string): number {
    const safeAt = this.safeAt.get(memberKey);
    if (safeAt === undefined) return 0;
    const left = safeAt - performance.now();
    if (left > 0) return left;
    this.safeAt.delete(memberKey);
    return 0;
  }

  /** Resolves once the member's next call may go out; at once (synchronously) when nothing is on hold. */
  holdUntilSafe = (memberKey: string): Promise<void> | void => {
    const left = this.remainingMs(memberKey);
    return left > 0 ? sleep(Math.ceil(left)).then(() => this.holdUntilSafe(memberKey)) : undefined;
  };

  /** Members on hold now. */
  get size(): number {
    return this.safeAt.size;
  }

  private sweep(): void {
    const now = performance.now();
    for (const [key, safeAt] of this.safeAt) if (safeAt <= now) this.safeAt.delete(key);
  }
}
