import { createWriteStream, type WriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { once } from 'node:events';

/** The rejects file's columns: the input's own three first, so a fixed rejects file can be imported as it is. */
const REJECT_COLUMNS = ['groupId', 'memberAccount', 'unreadCount', 'line', 'code', 'message'];

export interface Reject {
  line: number;
  fields?: Record<string, unknown>;
  code: string;
  message: string;
}

/** Rows that failed, as CSV with their line, code and message. Appends when resuming an import. */
export class RejectsFile {
  private readonly stream: WriteStream;

  private constructor(
    readonly path: string,
    append: boolean,
  ) {
    this.stream = createWriteStream(path, { flags: append ? 'a' : 'w' });
  }

  static async open(path: string, append: boolean): Promise<RejectsFile> {
    const hasRows = append && (await stat(path).then((stats) => stats.size > 0, () => false));
    const file = new RejectsFile(path, append);
    await once(file.stream, 'open');
    if (!hasRows) file.stream.write(`${REJECT_COLUMNS.join(',')}\n`);
    return file;
  }

  write(reject: Reject): void {
    const fields = reject.fields ?? {};
    const row = [fields.groupId, fields.memberAccount, fields.unreadCount, reject.line, reject.code, reject.message];
    this.stream.write(`${row.map(csvCell).join(',')}\n`);
  }

  async close(): Promise<void> {
    this.stream.end();
    await once(this.stream, 'finish');
  }
}

function csvCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}
