/** What the progress display shows. */
export interface ProgressState {
  bytesRead: number;
  totalBytes: number;
  rowsDone: number;
  applied: number;
  /** Rows IM already held (not written); shown when present. */
  matching?: number;
  rejected: number;
}

const BAR_WIDTH = 24;
/** Rates are measured over the last few seconds, so they follow changes (a lowered --rate, IM slowing down). */
const RATE_WINDOW_MS = 5_000;
const SAMPLE_EVERY_MS = 100;

/**
 * A progress bar with rate and ETA on a terminal (redrawn in place), plain periodic lines otherwise
 * (logs, CI). It writes to stderr so stdout stays for the summary.
 */
export class ProgressReporter {
  private readonly startedAt = Date.now();
  private readonly samples: Array<{ at: number; rows: number; bytes: number }> = [];
  private lastDrawAt = 0;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly intervalMs = out.isTTY ? 200 : 10_000,
    /** What a good row is called: "written", "to write" in a dry run (nothing is sent), "matching" when verifying. */
    private readonly goodRows: 'written' | 'to write' | 'valid' | 'matching' = 'written',
    /** What a bad row is called: "rejected", or "mismatched" when verifying. */
    private readonly badRows: 'rejected' | 'mismatched' = 'rejected',
  ) {}

  update(state: ProgressState, force = false): void {
    const now = Date.now();
    // Called per row: sample the rate a few times a second, not a million times.
    const last = this.samples.at(-1);
    if (last === undefined || now - last.at >= SAMPLE_EVERY_MS || force) {
      this.samples.push({ at: now, rows: state.rowsDone, bytes: state.bytesRead });
      while (this.samples.length > 2 && now - this.samples[0].at > RATE_WINDOW_MS) this.samples.shift();
    }
    if (!force && now - this.lastDrawAt < this.intervalMs) return;
    this.lastDrawAt = now;
    const line = this.describe(state, now);
    if (this.out.isTTY) this.out.write(`\r${line}\u001b[K`);
    else this.out.write(`${line}\n`);
  }

  /** Ends the redrawn line on a terminal. */
  finish(): void {
    if (this.out.isTTY) this.out.write('\n');
  }

  private describe(state: ProgressState, now: number): string {
    const first = this.samples[0];
    const seconds = Math.max((now - first.at) / 1000, 0.001);
    const rowsPerSecond = (state.rowsDone - first.rows) / seconds;
    const bytesPerSecond = (state.bytesRead - first.bytes) / seconds;
    const fraction = state.totalBytes === 0 ? 1 : Math.min(state.bytesRead / state.totalBytes, 1);
    const eta = bytesPerSecond > 0 ? formatDuration((state.totalBytes - state.bytesRead) / bytesPerSecond) : '?';
    const filled = Math.round(fraction * BAR_WIDTH);
    const bar = this.out.isTTY ? `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ` : '';
    return (
      `${bar}${(fraction * 100).toFixed(1)}% | ${state.rowsDone.toLocaleString('en')} rows | ` +
      `${rowsPerSecond.toFixed(1)} rows/s | ETA ${eta} | ${this.goodRows} ${state.applied.toLocaleString('en')}, ` +
      (state.matching === undefined ? '' : `already matching ${state.matching.toLocaleString('en')}, `) +
      `${this.badRows} ${state.rejected.toLocaleString('en')} | ${formatDuration((now - this.startedAt) / 1000)} elapsed`
    );
  }
}

function formatDuration(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(s).padStart(2, '0')}s` : `${s}s`;
}
