import { readCheckpoint, sameInput, type InputFingerprint } from './checkpoint';
import { ImportLedger, type LedgerCounts } from './ledger';
import { RejectsFile } from './rejects';
import { ImportUsageError } from './rows';

/** Where a run starts: the first line to send, the rejects file, and the counts carried over from earlier runs. */
export interface StartingPoint {
  ledger: ImportLedger;
  skipThrough: number;
  carried: LedgerCounts;
}

/** A fresh start, or (with --resume) the checkpoint's line, counts and rejects file, cut back to match it. */
export async function startingPoint(options: { file: string; rejectsPath: string; resume: boolean }, input: InputFingerprint, checkpointPath: string | undefined): Promise<StartingPoint> {
  const { file, rejectsPath, resume } = options;
  const previous = checkpointPath === undefined ? undefined : await readCheckpoint(checkpointPath).catch((error: Error) => {
    throw new ImportUsageError(error.message);
  });
  if (!resume) {
    if (previous !== undefined && !previous.complete) {
      throw new ImportUsageError(
        `an interrupted import of this file stopped after line ${previous.doneThroughLine}: pass --resume to continue it, or delete ${checkpointPath} to start over`,
      );
    }
    const carried = { applied: 0, matching: 0, rejected: 0 };
    return { ledger: new ImportLedger(RejectsFile.create(rejectsPath), 0, carried), skipThrough: 0, carried };
  }
  if (previous === undefined) throw new ImportUsageError(`nothing to resume: ${checkpointPath ?? 'a dry run'} does not exist`);
  if (!sameInput(previous.input, input)) {
    throw new ImportUsageError(`${file} changed since the checkpoint was written (its SHA-256 differs); it cannot be resumed. Delete ${checkpointPath} to start over`);
  }
  let rejects: RejectsFile;
  try {
    rejects = RejectsFile.resume(rejectsPath, previous.rejectsBytes);
  } catch (error) {
    throw new ImportUsageError(`${(error as Error).message}; it cannot be resumed`);
  }
  const carried = { applied: previous.applied, matching: previous.matching ?? 0, rejected: previous.rejected };
  return { ledger: new ImportLedger(rejects, previous.doneThroughLine, carried), skipThrough: previous.doneThroughLine, carried };
}

