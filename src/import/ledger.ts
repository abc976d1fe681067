import type { Reject, RejectsFile } from './rejects';

/**
 * How one dispatched row ended: applied (written), matching (IM already held its value: nothing to write),
 * rejected (with why), or not done (a fatal stop: a resume sends it again).
 */
export type RowOutcome = { kind: 'applied' } | { kind: 'matching' } | { kind: 'rejected'; reject: Reject } | { kind: 'not-done' };

/** The settled rows' counts, as the checkpoint keeps them. */
export interface LedgerCounts {
  applied: number;
  matching: number;
  rejected: number;
}

/** A dispatched row's place in the books. */
export interface Entry {
  line: number;
  outcome?: RowOutcome;
}

/**
 * The import's bookkeeping: rows finish out of order, but the checkpoint may only name a line through which
 * every row is done. So outcomes wait here until the rows before them are done too; only then are they
 * counted and their rejects written. The rejects file and the counts therefore always describe exactly the
 * rows up to `doneThroughLine`, and a row that is not done holds everything after it back.
 */
export class ImportLedger {
  private readonly entries: Entry[] = [];
  private head = 0;
  applied: number;
  matching: number;
  rejected: number;

  constructor(
    private readonly rejects: RejectsFile,
    public doneThroughLine: number,
    counts: LedgerCounts = { applied: 0, matching: 0, rejected: 0 },
  ) {
    this.applied = counts.applied;
    this.matching = counts.matching;
    this.rejected = counts.rejected;
  }

  /** A row is dispatched; rows must begin in file order. */
  begin(line: number): Entry {
    const entry: Entry = { line };
    this.entries.push(entry);
    return entry;
  }

  finish(entry: Entry, outcome: RowOutcome): void {
    entry.outcome = outcome;
    const rejects: Reject[] = [];
    while (this.head < this.entries.length) {
      const next = this.entries[this.head];
      if (next.outcome === undefined || next.outcome.kind === 'not-done') break;
      if (next.outcome.kind === 'applied') this.applied += 1;
      else if (next.outcome.kind === 'matching') this.matching += 1;
      else {
        this.rejected += 1;
        rejects.push(next.outcome.reject);
      }
      this.doneThroughLine = next.line;
      this.head += 1;
    }
    this.rejects.write(rejects);
    // Drop the settled prefix now and then, so a long import keeps only its rows in flight.
    if (this.head > 1024) {
      this.entries.splice(0, this.head);
      this.head = 0;
    }
  }

  /** Ends the run's writing; what is settled is on disk already. */
  close(): void {
    this.rejects.close();
  }

  /** The rejects file's length matching `doneThroughLine`. */
  get rejectsBytes(): number {
    return this.rejects.length;
  }
}
