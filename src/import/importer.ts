import { stat } from 'node:fs/promises';
import type { RawUpdate } from '../domain/ids';
import { memberKey, type UnreadCountOutcome, type UnreadCountUpdate } from '../domain/member';
import { clientErrorOf, GatewayError, GatewayErrorCode, type ClientError } from '../errors';
import { validUpdate } from '../writes/set-unread-count';
import { checkpointPathFor, fingerprint, writeCheckpoint, type Checkpoint } from './checkpoint';
import type { Entry, ImportLedger, RowOutcome } from './ledger';
import type { RowCheck } from './row-check';
import { Semaphore, Turns } from '../lib/concurrency';
import { startingPoint } from './starting-point';
import type { ProgressReporter } from './progress';
import { ImportFileError, readRows, type ImportFormat, type InputRow } from './rows';

/**
 * What an import sends valid rows through: the gateway's own write use case, as the app admin (group-type
 * check, coalescer, limiter, retries). It validates again; the import validates first for dry runs.
 */
export type UnreadCountSink = (update: RawUpdate, path: string) => Promise<UnreadCountOutcome>;

export interface ImportOptions {
  file: string;
  format: ImportFormat;
  rejectsPath: string;
  resume: boolean;
  /** Validate only; no IM call. */
  dryRun: boolean;
  /** Rows being written at once: enough to keep the limiter busy, few enough that none waits long in its queue. */
  maxInFlight: number;
  /** Default `maxInFlight`. Rows in flight at once, reads included: with a row check, more are read ahead of the writes. */
  maxReadAhead?: number;
  checkpointEveryMs?: number;
}

export interface ImportSummary {
  rowsRead: number;
  /** Rows written (a dry run: rows that would be written). */
  applied: number;
  /** Rows IM already held: not written (never with --write-all or an offline dry run). */
  matching: number;
  rejected: number;
  /** Rows before the checkpoint, already done by an earlier run. */
  skipped: number;
  interrupted: boolean;
  /** Set when the import had to stop: the reason; the checkpoint lets `--resume` continue. */
  fatal?: string;
  rejectsPath: string;
  checkpointPath?: string;
  seconds: number;
}

/** Failures that will fail every row alike: stop instead of rejecting the rest of the file. */
const FATAL_CODES: ReadonlySet<string> = new Set([GatewayErrorCode.IM_CONFIGURATION_ERROR]);
/** This many IM_UNAVAILABLE rows in a row (each after its retries) means IM is unreachable. */
const UNREACHABLE_AFTER = 20;
const DEFAULT_CHECKPOINT_EVERY_MS = 1_000;

/** A row's outcome, and whether IM was asked (the row's place among the rows sent) and could not be reached. */
interface Processed {
  outcome: RowOutcome;
  sentAs?: number;
  unavailable?: boolean;
}

/**
 * One bulk import: streams the file, validates each row with the mutation's own rules, sends valid rows
 * through the sink, and keeps the books in an {@link ImportLedger}: the checkpoint names the line through
 * which every row is applied or in the rejects file, and the rejects file holds exactly those rejected rows,
 * so any number of interruptions and resumes end with the same files as one uninterrupted run.
 */
export class ImportRun {
  private stopping = false;
  private fatal?: string;
  /** Live counts for the progress display; the ledger's counts are the settled ones. */
  private appliedSoFar = 0;
  private matchingSoFar = 0;
  private rejectedSoFar = 0;
  private rowsRead = 0;
  private bytesRead = 0;
  /**
   * Rows that just failed as IM_UNAVAILABLE, in a row: an outage or a few bad rows? Held unsettled until a
   * later row answers (then they are rejects) or the streak reaches UNREACHABLE_AFTER (an outage: a fatal stop,
   * and they stay not done, so a resume sends them again instead of leaving them in the rejects file).
   */
  private unavailableStreak: Array<{ entry: Entry; outcome: RowOutcome }> = [];
  /** Rows handed to IM so far; an answer confirms IM is back only for a row sent after the streak began. */
  private sentRows = 0;
  private streakBegan = 0;
  /** Rows in flight (read-ahead included), and rows being written: two bounds, so Ctrl-C never waits for the read-ahead's writes. */
  private readonly rows: Semaphore;
  private readonly writes: Semaphore;
  /** A member listed twice is checked and written in file order. */
  private readonly memberTurns = new Turns();
  /** Rows left not done (Ctrl-C before their write, or a fatal stop): the run is not complete. */
  private notDone = 0;

  /**
   * `sink` undefined: a dry run (nothing is written). `check`: rows are compared with what IM holds first and
   * written only when they differ (undefined: --write-all, or an offline dry run).
   */
  constructor(
    private readonly options: ImportOptions,
    private readonly sink: UnreadCountSink | undefined,
    private readonly progress?: ProgressReporter,
    private readonly check?: RowCheck,
  ) {
    this.rows = new Semaphore(Math.max(options.maxInFlight, options.maxReadAhead ?? options.maxInFlight));
    this.writes = new Semaphore(options.maxInFlight);
  }

  /** Ctrl-C: read no more rows, finish the ones in flight, save where it stopped. */
  stop(): void {
    this.stopping = true;
  }

  async run(): Promise<ImportSummary> {
    const started = Date.now();
    const { file, dryRun } = this.options;
    const checkpointPath = dryRun ? undefined : checkpointPathFor(file);
    const input = await fingerprint(file).catch((error: NodeJS.ErrnoException) => {
      throw new ImportFileError(`cannot read ${file}: ${error.code ?? error.message}`);
    });
    const { size: totalBytes } = await stat(file);
    const { ledger, skipThrough, carried } = await startingPoint(this.options, input, checkpointPath);
    const save = (complete: boolean): void => {
      if (checkpointPath === undefined) return;
      const checkpoint: Checkpoint = {
        version: 2,
        input,
        doneThroughLine: ledger.doneThroughLine,
        rejectsBytes: ledger.rejectsBytes,
        applied: ledger.applied,
        matching: ledger.matching,
        rejected: ledger.rejected,
        complete,
        updatedAt: new Date().toISOString(),
      };
      writeCheckpoint(checkpointPath, checkpoint);
    };
    save(false); // before the first IM call: a process killed at any point can be resumed
    const saver = setInterval(() => save(false), this.options.checkpointEveryMs ?? DEFAULT_CHECKPOINT_EVERY_MS);
    const pending = new Set<Promise<void>>();
    let skipped = 0;
    let reachedEnd: boolean;
    try {
      for await (const row of readRows(file, this.options.format)) {
        this.bytesRead = row.bytesRead;
        if (row.line <= skipThrough) {
          skipped += 1;
          continue;
        }
        if (this.stopping || this.fatal !== undefined) break;
        this.rowsRead += 1;
        await this.slot();
        const entry = ledger.begin(row.line);
        const work = this.process(row).then((outcome) => this.settle(ledger, entry, outcome));
        const tracked = work.finally(() => {
          pending.delete(tracked);
          this.release();
        });
        pending.add(tracked);
        this.report(totalBytes);
      }
      reachedEnd = !this.stopping && this.fatal === undefined;
    } finally {
      clearInterval(saver);
      await Promise.all(pending);
    }
    // Every row read and settled: a Ctrl-C after the last row was read may still have left rows not done.
    const complete = reachedEnd && this.fatal === undefined && this.notDone === 0;
    // The file ended on a few unavailable rows, no outage: they are rejects. Otherwise a resume retries them.
    if (complete) this.settleStreak(ledger);
    save(complete);
    ledger.close();
    this.report(totalBytes, true);
    this.progress?.finish();
    return {
      rowsRead: this.rowsRead,
      applied: ledger.applied - carried.applied,
      matching: ledger.matching - carried.matching,
      rejected: ledger.rejected - carried.rejected,
      skipped,
      interrupted: this.stopping && !complete,
      fatal: this.fatal,
      rejectsPath: this.options.rejectsPath,
      checkpointPath,
      seconds: (Date.now() - started) / 1000,
    };
  }

  /** Books a row's outcome; IM_UNAVAILABLE ones wait in the streak (see {@link unavailableStreak}). */
  private settle(ledger: ImportLedger, entry: Entry, { outcome, sentAs, unavailable }: Processed): void {
    if (outcome.kind === 'not-done') this.notDone += 1;
    if (unavailable) {
      if (this.unavailableStreak.length === 0) this.streakBegan = this.sentRows;
      this.unavailableStreak.push({ entry, outcome });
      if (this.unavailableStreak.length >= UNREACHABLE_AFTER && this.fatal === undefined) {
        this.fatal = `IM is unreachable (${UNREACHABLE_AFTER} rows in a row failed after retries)`;
      }
      return;
    }
    // IM answered a row sent after the streak began: it is back, so the streak was the rows' own failures.
    if (sentAs !== undefined && sentAs >= this.streakBegan && this.fatal === undefined) this.settleStreak(ledger);
    ledger.finish(entry, outcome);
  }

  private settleStreak(ledger: ImportLedger): void {
    for (const { entry, outcome } of this.unavailableStreak) ledger.finish(entry, outcome);
    this.unavailableStreak = [];
  }

  private async process(row: InputRow): Promise<Processed> {
    if (row.fields === undefined) return { outcome: this.rejection(row, GatewayErrorCode.BAD_USER_INPUT, row.problem ?? 'unreadable row') };
    let update: UnreadCountUpdate;
    try {
      update = validUpdate(row.fields, 'row');
    } catch (error) {
      return { outcome: this.rejection(row, GatewayErrorCode.BAD_USER_INPUT, (error as Error).message) };
    }
    // One member's rows go in file order: a later row is checked only once the earlier one is at IM.
    return this.memberTurns.run(memberKey(update), () => this.send(row, update));
  }

  /** Reads the row's member first (unless --write-all), then writes it when IM does not already hold its value. */
  private async send(row: InputRow, update: UnreadCountUpdate): Promise<Processed> {
    // Reading is asking IM too (on the read commands' budgets): it joins the unavailable streak and fatal stops alike.
    const sentAs = this.sentRows++;
    let writing = false;
    try {
      if (this.check !== undefined && (await this.check(update)) === 'matching') return { outcome: this.matching(), sentAs };
      if (this.sink === undefined) return { outcome: this.applied() }; // dry run: valid, would be written
      if (this.stopping) return { outcome: { kind: 'not-done' } }; // Ctrl-C: a resume reads it again
      await this.writes.acquire();
      writing = true;
      if (this.stopping) return { outcome: { kind: 'not-done' } };
      await this.sink(update, 'row');
      return { outcome: this.applied(), sentAs };
    } catch (error) {
      const clientError: ClientError = error instanceof GatewayError ? clientErrorOf(error) : { code: GatewayErrorCode.INTERNAL_SERVER_ERROR, message: String(error), retryable: false };
      if (FATAL_CODES.has(clientError.code) || this.fatal !== undefined) {
        this.fatal ??= `${clientError.code}: ${clientError.message}`;
        // Not done: the checkpoint stops before it and a resumed run sends it again. Rows failing after a
        // fatal stop are not the rows' fault either, so they are not rejected.
        return { outcome: { kind: 'not-done' } };
      }
      const outcome = this.rejection(row, clientError.code, clientError.message);
      return { outcome, sentAs, unavailable: clientError.code === GatewayErrorCode.IM_UNAVAILABLE };
    } finally {
      if (writing) this.writes.release();
    }
  }

  private matching(): RowOutcome {
    this.matchingSoFar += 1;
    return { kind: 'matching' };
  }

  private applied(): RowOutcome {
    this.appliedSoFar += 1;
    return { kind: 'applied' };
  }

  private rejection(row: InputRow, code: string, message: string): RowOutcome {
    this.rejectedSoFar += 1;
    return { kind: 'rejected', reject: { line: row.line, fields: row.fields, code, message } };
  }

  private async slot(): Promise<void> {
    await this.rows.acquire();
  }

  private release(): void {
    this.rows.release();
  }

  private report(totalBytes: number, force = false): void {
    this.progress?.update(
      {
        bytesRead: this.bytesRead,
        totalBytes,
        rowsDone: this.appliedSoFar + this.matchingSoFar + this.rejectedSoFar,
        applied: this.appliedSoFar,
        matching: this.check === undefined ? undefined : this.matchingSoFar,
        rejected: this.rejectedSoFar,
      },
      force,
    );
  }
}

