import { GUARD_WINDOW_MS } from './limiter';

/** Writes are counted in buckets this wide: memory stays the same whatever the limit. */
const BUCKET_MS = 10;
const BUCKETS = Math.ceil(GUARD_WINDOW_MS / BUCKET_MS) + 1;

/**
 * How many calls were written to the wire within the last {@link GUARD_WINDOW_MS}, counted in fixed
 * buckets: O(1) memory in the limit. A bucket that only partly overlaps the window counts whole, so the
 * count errs high (safe) by at most one bucket's writes.
 */
export class WireWindow {
  private readonly counts = new Uint32Array(BUCKETS);
  private readonly bucketOf = new Float64Array(BUCKETS).fill(-Infinity);

  add(at: number): void {
    const bucket = Math.floor(at / BUCKET_MS);
    const slot = bucket % BUCKETS;
    if (this.bucketOf[slot] !== bucket) {
      this.bucketOf[slot] = bucket;
      this.counts[slot] = 0;
    }
    this.counts[slot] += 1;
  }

  /** Writes that may still be inside the window at `now`. */
  count(now: number): number {
    const first = this.firstLiveBucket(now);
    let total = 0;
    for (let slot = 0; slot < BUCKETS; slot++) if (this.bucketOf[slot] >= first) total += this.counts[slot];
    return total;
  }

  /** Milliseconds until the oldest counted write leaves the window (0 when none is counted). */
  msUntilOldestLeaves(now: number): number {
    const first = this.firstLiveBucket(now);
    let oldest = Infinity;
    for (let slot = 0; slot < BUCKETS; slot++) {
      if (this.bucketOf[slot] >= first && this.counts[slot] > 0) oldest = Math.min(oldest, this.bucketOf[slot]);
    }
    return oldest === Infinity ? 0 : Math.max(0, (oldest + 1) * BUCKET_MS + GUARD_WINDOW_MS - now);
  }

  /** The oldest bucket that still overlaps (now − window, now]. */
  private firstLiveBucket(now: number): number {
    return Math.floor((now - GUARD_WINDOW_MS) / BUCKET_MS);
  }
}
