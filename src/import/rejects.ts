import { closeSync, fstatSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { csvCell } from './rows';

/** The rejects file's columns: the input's own three first, so a fixed rejects file can be imported as it is. */
const REJECT_COLUMNS = ['groupId', 'memberAccount', 'unreadCount', 'line', 'code', 'message'];

export interface Reject {
  line: number;
  fields?: Record<string, unknown>;
  code: string;
  message: string;
}

/**
 * Rows that failed, as CSV with their line, code and message. Written synchronously, in line order, only
 * for rows the checkpoint will cover, so its length at a checkpoint is exactly that checkpoint's rejects:
 * a resume cuts it back to that length and nothing is listed twice or left over (whatever stopped the run).
 */
export class RejectsFile {
  private bytes: number;

  private constructor(
    readonly path: string,
    private readonly fd: number,
  ) {
    this.bytes = fstatSync(fd).size;
  }

  /** A new file with its header line. */
  static create(path: string): RejectsFile {
    const file = new RejectsFile(path, openSync(path, 'w'));
    file.append(`${REJECT_COLUMNS.join(',')}\n`);
    return file;
  }

  /** An existing file cut back to `length` (what a checkpoint recorded); throws when it is shorter than that. */
  static resume(path: string, length: number): RejectsFile {
    let fd: number;
    try {
      fd = openSync(path, 'r+');
    } catch {
      throw new Error(`the rejects file ${path} is missing: the checkpoint needs its first ${length} bytes`);
    }
    if (fstatSync(fd).size < length) {
      closeSync(fd);
      throw new Error(`the rejects file ${path} is shorter than the checkpoint recorded (${length} bytes): it was changed`);
    }
    ftruncateSync(fd, length);
    return new RejectsFile(path, fd);
  }

  /** Bytes written so far, header included. */
  get length(): number {
    return this.bytes;
  }

  write(rejects: readonly Reject[]): void {
    if (rejects.length === 0) return;
    this.append(rejects.map(csvRow).join(''));
  }

  close(): void {
    closeSync(this.fd);
  }

  private append(text: string): void {
    const buffer = Buffer.from(text);
    writeSync(this.fd, buffer, 0, buffer.length, this.bytes);
    this.bytes += buffer.length;
  }
}

function csvRow(reject: Reject): string {
  const fields = reject.fields ?? {};
  const row = [fields.groupId, fields.memberAccount, fields.unreadCount, reject.line, reject.code, reject.message];
  return `${row.map(csvCell).join(',')}\n`;
}
