import { createHash } from 'node:crypto';
import { open, readFile, rename, stat, writeFile } from 'node:fs/promises';

/** Where an import stands, saved next to the input so `--resume` can continue it. */
export interface Checkpoint {
  version: 1;
  /** Identifies the input: its size and a hash of its first 64 KiB. A changed file cannot be resumed. */
  input: { size: number; headSha256: string };
  /** Every row up to and including this line was applied or written to the rejects file. */
  doneThroughLine: number;
  applied: number;
  rejected: number;
  complete: boolean;
  updatedAt: string;
}

const HEAD_BYTES = 64 * 1024;

export function checkpointPathFor(inputPath: string): string {
  return `${inputPath}.checkpoint.json`;
}

export async function fingerprint(inputPath: string): Promise<Checkpoint['input']> {
  const { size } = await stat(inputPath);
  const file = await open(inputPath, 'r');
  try {
    const head = Buffer.alloc(Math.min(size, HEAD_BYTES));
    await file.read(head, 0, head.length, 0);
    return { size, headSha256: createHash('sha256').update(head).digest('hex') };
  } finally {
    await file.close();
  }
}

export async function readCheckpoint(path: string): Promise<Checkpoint | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const checkpoint = JSON.parse(text) as Checkpoint;
  if (checkpoint.version !== 1 || !Number.isInteger(checkpoint.doneThroughLine)) throw new Error(`${path} is not a checkpoint of this tool`);
  return checkpoint;
}

/** Written to a temporary file and renamed, so a crash mid-write never leaves a torn checkpoint. */
export async function writeCheckpoint(path: string, checkpoint: Checkpoint): Promise<void> {
  const temporary = `${path}.tmp`;
  await writeFile(temporary, `${JSON.stringify(checkpoint, null, 2)}\n`);
  await rename(temporary, path);
}
