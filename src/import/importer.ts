import { stat } from 'node:fs/promises';
import { toClientError } from '../graphql/errors';
import { SetGroupMemberUnreadCountInput } from '../graphql/unread-count/unread-count.input';
import { assertValidInput } from '../graphql/validation';
import type { UnreadCountOutcome, UnreadCountUpdate } from '../im/coalescer';
import { GatewayErrorCode } from '../im/error-codes';
import { checkpointPathFor, fingerprint, readCheckpoint, writeCheckpoint, type Checkpoint } from './checkpoint';
import type { ProgressReporter } from './progress';
import { RejectsFile } from './rejects';
import { ImportFileError, readRows, type ImportFormat, type InputRow } from './rows';

/** What an import sends valid rows through: the gateway's own upstream (group-type check, coalescer, limiter, retries). */
export interface UnreadCountSink {
  checkGroupType(groupId: string): Promise<void>;
  setUnreadCount(update: UnreadCountUpdate): Promise<UnreadCountOutcome>;
}

export interface ImportOptions {
  file: string;
  format: ImportFormat;
  rejectsPath: string;
  resume: boolean;
  /** Validate only; no IM call. */
  dryRun: boolean;
  /** Rows in flight at once: enough to keep the limiter busy, few enough that none waits long in its queue. */
  maxInFlight: number;
  checkpointEveryMs?: number;
}

export interface ImportSummary {
  rowsRead: number;
  applied: number;
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

/**
 * One bulk import: streams the file, validates each row with the mutation's own rules, sends valid rows
 * through the sink, writes failed rows to the rejects file, and checkpoints the line through which every
 * row is done, so an interrupted run can resume without re-sending applied rows.
 */
export class ImportRun {
  private stopping = false;
  private fatal?: string;
  private applied = 0;
  private rejected = 0;
  private rowsRead = 0;
  private bytesRead = 0;
  private consecutiveUnavailable = 0;
  /** Dispatched rows in file order; the done prefix is dropped as it completes. */
  private readonly window: Array<{ line: number; done: boolean }> = [];
  private doneThroughLine = 0;
  private readonly slotWaiters: Array<() => void> = [];
  private inFlight = 0;

  constructor(
    private readonly options: ImportOptions,
    private readonly sink: UnreadCountSink | undefined,
    private readonly progress?: ProgressReporter,
  ) {}

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
    const previous = checkpointPath === undefined ? undefined : await readCheckpoint(checkpointPath);
    let skipThrough = 0;
    if (this.options.resume) {
      if (previous === undefined) throw new ImportFileError(`nothing to resume: ${checkpointPath ?? 'a dry run'} does not exist`);
      if (previous.input.size !== input.size || previous.input.headSha256 !== input.headSha256) {
        throw new ImportFileError(`${file} changed since the checkpoint was written; it cannot be resumed`);
      }
      skipThrough = previous.doneThroughLine;
      this.doneThroughLine = skipThrough;
    } else if (previous !== undefined && !previous.complete) {
      throw new ImportFileError(
        `an interrupted import of this file stopped after line ${previous.doneThroughLine}: pass --resume to continue it, or delete ${checkpointPath} to start over`,
      );
    }

    const rejects = await RejectsFile.open(this.options.rejectsPath, this.options.resume);
    const save = async (complete: boolean) => {
      if (checkpointPath === undefined) return;
      const checkpoint: Checkpoint = {
        version: 1,
        input,
        doneThroughLine: this.doneThroughLine,
        applied: (this.options.resume ? (previous?.applied ?? 0) : 0) + this.applied,
        rejected: (this.options.resume ? (previous?.rejected ?? 0) : 0) + this.rejected,
        complete,
        updatedAt: new Date().toISOString(),
      };
      await writeCheckpoint(checkpointPath, checkpoint);
    };
    const saver = setInterval(() => void save(false), this.options.checkpointEveryMs ?? DEFAULT_CHECKPOINT_EVERY_MS);
    const pending = new Set<Promise<void>>();
    let skipped = 0;
    let reachedEnd = false;
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
        const work = this.process(row, rejects).finally(() => {
          pending.delete(work);
          this.release();
        });
        pending.add(work);
        this.report(totalBytes);
      }
      reachedEnd = !this.stopping && this.fatal === undefined;
      await Promise.all(pending);
    } finally {
      clearInterval(saver);
      await Promise.all(pending);
      await rejects.close();
    }
    const complete = reachedEnd && this.fatal === undefined;
    await save(complete);
    this.report(totalBytes, true);
    this.progress?.finish();
    return {
      rowsRead: this.rowsRead,
      applied: this.applied,
      rejected: this.rejected,
      skipped,
      interrupted: this.stopping && !complete,
      fatal: this.fatal,
      rejectsPath: this.options.rejectsPath,
      checkpointPath,
      seconds: (Date.now() - started) / 1000,
    };
  }

  private async process(row: InputRow, rejects: RejectsFile): Promise<void> {
    const entry = { line: row.line, done: false };
    this.window.push(entry);
    let countsAsDone = true;
    try {
      if (row.fields === undefined) {
        this.reject(rejects, row, GatewayErrorCode.BAD_USER_INPUT, row.problem ?? 'unreadable row');
        return;
      }
      const input = Object.assign(new SetGroupMemberUnreadCountInput(), {
        groupId: row.fields.groupId,
        memberAccount: row.fields.memberAccount,
        unreadCount: row.fields.unreadCount,
      });
      try {
        assertValidInput(input, 'row');
      } catch (error) {
        const clientError = toClientError(error);
        this.reject(rejects, row, GatewayErrorCode.BAD_USER_INPUT, clientError?.message ?? 'invalid row');
        return;
      }
      if (this.sink === undefined) {
        this.applied += 1; // dry run: valid, would be sent
        return;
      }
      try {
        await this.sink.checkGroupType(input.groupId);
        await this.sink.setUnreadCount({ groupId: input.groupId, memberAccount: input.memberAccount, unreadCount: input.unreadCount });
        this.applied += 1;
        this.consecutiveUnavailable = 0;
      } catch (error) {
        const clientError = toClientError(error) ?? { code: GatewayErrorCode.INTERNAL_SERVER_ERROR, message: String(error) };
        if (clientError.code === GatewayErrorCode.IM_UNAVAILABLE) this.consecutiveUnavailable += 1;
        else this.consecutiveUnavailable = 0;
        if (FATAL_CODES.has(clientError.code) || this.consecutiveUnavailable >= UNREACHABLE_AFTER) {
          this.fatal ??=
            clientError.code === GatewayErrorCode.IM_UNAVAILABLE
              ? `IM is unreachable (${UNREACHABLE_AFTER} rows in a row failed after retries: ${clientError.message})`
              : `${clientError.code}: ${clientError.message}`;
          // Not done: a resumed run sends this row again.
          countsAsDone = false;
          return;
        }
        this.reject(rejects, row, clientError.code, clientError.message);
      }
    } finally {
      if (countsAsDone) this.complete(entry);
    }
  }

  private reject(rejects: RejectsFile, row: InputRow, code: string, message: string): void {
    this.rejected += 1;
    rejects.write({ line: row.line, fields: row.fields, code, message });
  }

  /** Marks a row done and advances the checkpoint line over the done prefix; a row not done holds it back. */
  private complete(entry: { line: number; done: boolean }): void {
    entry.done = true;
    while (this.window.length > 0 && this.window[0].done) this.doneThroughLine = this.window.shift()!.line;
  }

  private async slot(): Promise<void> {
    while (this.inFlight >= this.options.maxInFlight) await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
    this.inFlight += 1;
  }

  private release(): void {
    this.inFlight -= 1;
    this.slotWaiters.shift()?.();
  }

  private report(totalBytes: number, force = false): void {
    this.progress?.update(
      { bytesRead: this.bytesRead, totalBytes, rowsDone: this.applied + this.rejected, applied: this.applied, rejected: this.rejected },
      force,
    );
  }
}
