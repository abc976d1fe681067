import { createHash } from 'node:crypto';
import { createReadStream, renameSync, writeFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';

/** Where an import stands, saved next to the input so `--resume` can continue it. */
export interface Checkpoint {
  version: 2;
  /** Identifies the input: its size and the SHA-256 of the whole file. A changed file cannot be resumed. */
  input: InputFingerprint;
  /** Every row up to and including this line was applied or written to the rejects file. */
  doneThroughLine: number;
  /** The rejects file's length when `doneThroughLine` was reached: exactly the rejected rows up to it. */
  rejectsBytes: number;
  applied: number;
  /** Rows IM already held (not written); absent in checkpoints of versions that wrote every row. */
  matching?: number;
  rejected: number;
  complete: boolean;
  updatedAt: string;
}

export interface InputFingerprint {
  size: number;
  sha256: string;
}

export function checkpointPathFor(inputPath: string): string {
  return `${inputPath}.checkpoint.json`;
}

/**
 * The whole file, streamed through SHA-256: a same-size edit anywhere changes it. Reading the file once more
 * costs far less than the import itself (a million rows hash in well under a second; they import in 1.5 h).
 */
export async function fingerprint(inputPath: string): Promise<InputFingerprint> {
  const { size } = await stat(inputPath);
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(inputPath, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return { size, sha256: hash.digest('hex') };
}

export function sameInput(a: InputFingerprint, b: InputFingerprint): boolean {
  return a.size === b.size && a.sha256 === b.sha256;
}

/** The checkpoint at `path`, undefined when there is none; throws on a file this version cannot use. */
export async function readCheckpoint(path: string): Promise<Checkpoint | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let checkpoint: Checkpoint;
  try {
    checkpoint = JSON.parse(text) as Checkpoint;
  } catch {
    throw new Error(`${path} is not a checkpoint of this tool (not JSON)`);
  }
  if (checkpoint.version !== 2 || !Number.isInteger(checkpoint.doneThroughLine) || !Number.isInteger(checkpoint.rejectsBytes)) {
    throw new Error(`${path} was not written by this version of import-unread; delete it to start over`);
  }
  return checkpoint;
}

/**
 * Written to a temporary file and renamed, so a crash mid-write never leaves a torn checkpoint. Synchronous,
 * like the rejects file, so the pair is always saved from one consistent moment.
 */
export function writeCheckpoint(path: string, checkpoint: Checkpoint): void {
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(checkpoint, null, 2)}\n`);
  renameSync(temporary, path);
}
